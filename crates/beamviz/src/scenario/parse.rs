//! The structure of a `.scn` file: title, description, directives, steps, narration, checkpoints, questions.
//!
//! The file is read line by line; each non-indented line is a directive (`syntax`, `actor`, `expect`, `predict`),
//! a comment, or a statement; indented lines continue the step, or the question, above them.

use super::expect;
use super::lex::{self, Cursor, Tok};
use super::statement::{self, Ctx};
use super::{ErrorKind, ParseError, Predict, Scenario, Span, Step, Syntax, MAX_FILE_BYTES};
use crate::process::{MessageQueueData, Pid, SpawnOpts};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Parses a scenario file given as bytes: checks its size and encoding first.
///
/// # Errors
/// A [`ParseError`] with the location of the first problem.
pub fn parse_bytes(id: &str, bytes: &[u8]) -> Result<Scenario, ParseError> {
    parse_bytes_with(id, bytes, &super::VmOverrides::default())
}

/// A file over [`MAX_FILE_BYTES`] is refused before anything is read (before its UTF-8 is checked, for bytes).
fn check_size(len: usize) -> Result<(), ParseError> {
    if len > MAX_FILE_BYTES {
        return Err(ParseError {
            kind: ErrorKind::FileTooLarge,
            span: Span {
                line: 1,
                col: 1,
                len: 1,
            },
        });
    }
    Ok(())
}

/// [`parse_bytes`] with a run's overrides (see [`parse_with`]).
///
/// # Errors
/// As [`parse_bytes`].
pub fn parse_bytes_with(
    id: &str,
    bytes: &[u8],
    overrides: &super::VmOverrides,
) -> Result<Scenario, ParseError> {
    check_size(bytes.len())?;
    match core::str::from_utf8(bytes) {
        Ok(src) => parse_with(id, src, overrides),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() as u32 + 1;
            let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            // The valid prefix is UTF-8, so this cannot fail; count its characters for the column.
            let col = core::str::from_utf8(&good[line_start..]).map_or(0, |s| s.chars().count())
                as u32
                + 1;
            Err(ParseError {
                kind: ErrorKind::NotUtf8,
                span: Span { line, col, len: 1 },
            })
        }
    }
}

/// What indented lines continue.
enum Open {
    /// Nothing: an indented line is an error.
    None,
    /// The narration of step `idx`.
    Narration(usize),
    /// A question being read.
    Predict,
}

struct PredictDraft {
    span: Span,
    question: String,
    choices: Vec<String>,
    answers: usize,
    answer_at: Option<usize>,
    /// `None` until the `because` line.
    explanation: Option<String>,
}

/// Tracks `` ` `` pairs in narration so an unclosed code span is reported where it opens.
#[derive(Default)]
struct Backticks {
    open: Option<Span>,
}

impl Backticks {
    fn scan(&mut self, line_no: u32, line: &str, from: usize) {
        for (i, c) in line[from..].char_indices() {
            if c == '`' {
                self.open = match self.open {
                    Some(_) => None,
                    None => Some(lex::span(line_no, line, from + i, from + i + 1)),
                };
            }
        }
    }

    fn close(&mut self) -> Result<(), ParseError> {
        match self.open.take() {
            Some(span) => Err(ParseError {
                kind: ErrorKind::UnclosedCodeSpan,
                span,
            }),
            None => Ok(()),
        }
    }
}

/// Parses a scenario file.
///
/// # Errors
/// A [`ParseError`] with the location of the first problem.
pub fn parse(id: &str, src: &str) -> Result<Scenario, ParseError> {
    parse_with(id, src, &super::VmOverrides::default())
}

/// [`parse`], with settings that win over the file's `vm` line.
///
/// # Errors
/// As [`parse`].
pub fn parse_with(
    id: &str,
    src: &str,
    overrides: &super::VmOverrides,
) -> Result<Scenario, ParseError> {
    let mut reader = Reader::new(id, src, overrides)?;
    reader.read(src, usize::MAX)?;
    Ok(reader.into_scenario())
}

/// The line starting at byte `at` (without its line break) and where the next one starts, as `split('\n')` cuts
/// them (`None` after the last).
fn line_at(src: &str, at: usize) -> (&str, Option<usize>) {
    let rest = &src[at..];
    let (line, next) = match rest.find('\n') {
        Some(i) => (&rest[..i], Some(at + i + 1)),
        None => (rest, None),
    };
    (line.strip_suffix('\r').unwrap_or(line), next)
}

/// A scenario file read a slice at a time: [`Reader::new`] reads the title and description, each
/// [`Reader::read`] some more steps, stopping between two lines or between two iterations of a loop; the steps
/// and errors are those of [`parse`], which is one `read` of everything. So a page can read a million steps
/// between frames (and run them as they come) instead of in one task of seconds.
pub struct Reader {
    /// The scenario so far: its steps are the ones read.
    scenario: Scenario,
    ctx: Ctx,
    /// The text's `vm` line is read over these.
    overrides: super::VmOverrides,
    /// Where the next line starts (a byte offset in the text without its byte-order mark) and its number.
    next: Option<(usize, u32)>,
    /// Where the steps start, for [`Reader::count`].
    body: Option<(usize, u32)>,
    title_line: u32,
    open: Open,
    ticks: Backticks,
    draft: Option<PredictDraft>,
    /// A finished question waiting for the next step.
    pending: Option<Predict>,
    /// The last step of the last statement (for `expect`) and its actor (for `binary(x)`).
    last: Option<(usize, Option<Pid>)>,
    /// A statement stopped between two iterations of its loops.
    paused: Option<Paused>,
    /// Every line is read (`Ok`), or one was wrong (`Err`, returned again by later reads).
    end: Option<Result<(), ParseError>>,
}

/// The most steps a [`Reader::read`] reads between two pauses.
const SLICE: usize = 1 << 16;

/// A statement stopped between two iterations of its loops: its line, and where its loops stand.
struct Paused {
    line_no: u32,
    at: usize,
    offset: usize,
    actor: Option<Pid>,
    /// Its first step, which the narration below it goes to.
    first: Option<usize>,
    frames: Vec<statement::Frame>,
}

impl Reader {
    /// Reads the title and the description of scenario text (and checks its size), with settings that win over
    /// its `vm` line.
    ///
    /// # Errors
    /// As [`parse`], for the title.
    pub fn new(id: &str, src: &str, overrides: &super::VmOverrides) -> Result<Reader, ParseError> {
        check_size(src.len())?;
        // A byte-order mark is not part of the title.
        let src = src.strip_prefix('\u{feff}').unwrap_or(src);
        let mut next = Some((0, 1));
        // The title: the first non-blank line.
        let (title_line, title) = loop {
            let Some((at_byte, n)) = next else {
                return Err(at(1, "", 0, 0, ErrorKind::MissingTitle));
            };
            let (l, after) = line_at(src, at_byte);
            next = after.map(|a| (a, n + 1));
            if l.trim().is_empty() {
                continue;
            }
            match l.strip_prefix("# ") {
                Some(t) if !t.trim().is_empty() => break (n, t.trim().to_string()),
                _ => return Err(at(n, l, 0, l.len(), ErrorKind::MissingTitle)),
            }
        };
        // The description: the lines up to the first blank one (or the first `syntax` or `actor` line, so a
        // forgotten blank line does not swallow the first actor).
        let mut description = String::new();
        let in_description = |l: &str| {
            !l.trim().is_empty()
                && !l.starts_with("actor ")
                && !l.starts_with("syntax ")
                && !l.starts_with("vm ")
        };
        while let Some((at_byte, n)) = next {
            let (l, after) = line_at(src, at_byte);
            if !in_description(l) {
                break;
            }
            if !description.is_empty() {
                description.push(' ');
            }
            description.push_str(l.trim());
            next = after.map(|a| (a, n + 1));
        }
        Ok(Reader {
            scenario: Scenario {
                id: id.to_string(),
                title,
                description,
                syntax: Syntax::Elixir,
                steps: Vec::new(),
                vm: overrides.apply(super::VmSettings::default()),
            },
            ctx: Ctx::new(Syntax::Elixir),
            overrides: *overrides,
            next,
            body: next,
            title_line,
            open: Open::None,
            ticks: Backticks::default(),
            draft: None,
            pending: None,
            last: None,
            paused: None,
            end: None,
        })
    }

    /// The scenario read so far. Its `vm` settings and syntax are final once it has a step.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario read.
    pub fn into_scenario(self) -> Scenario {
        self.scenario
    }

    /// Whether every line is read.
    pub fn is_done(&self) -> bool {
        matches!(self.end, Some(Ok(())))
    }

    /// Reads on until `more` more steps are read (a statement's steps may pass that by a few, a loop's do not) or
    /// the text ends; true when it has ended (`more` 0 reads nothing). `src` is the text given to [`Reader::new`].
    ///
    /// # Errors
    /// As [`parse`]; every later read returns the same error.
    pub fn read(&mut self, src: &str, more: usize) -> Result<bool, ParseError> {
        if let Some(end) = self.end {
            return end.map(|()| true);
        }
        if more == 0 {
            return Ok(false);
        }
        let src = src.strip_prefix('\u{feff}').unwrap_or(src);
        let target = self.scenario.steps.len().saturating_add(more);
        loop {
            // At most `SLICE` steps at a time: a statement's steps wait in its output until they are added here,
            // and a million of them would be held twice.
            self.ctx.pause_at = target.min(self.scenario.steps.len() + SLICE);
            match self.read_lines(src) {
                Ok(false) if self.scenario.steps.len() < target => {}
                Err(e) => {
                    self.end = Some(Err(e));
                    return Err(e);
                }
                read => return read,
            }
        }
    }

    /// Makes room for `steps` steps in all (the [`Reader::count`]), so a long scenario's steps are not moved as they
    /// come: a million of them take 200 MB, and their list would be 100 MB more while it grew by doubling.
    pub fn reserve(&mut self, steps: usize) {
        let steps = steps.min(super::MAX_STEPS);
        let have = self.scenario.steps.len();
        self.scenario
            .steps
            .reserve_exact(steps.saturating_sub(have));
    }

    fn read_lines(&mut self, src: &str) -> Result<bool, ParseError> {
        if let Some(p) = self.paused.take() {
            let (line, _) = line_at(src, p.at);
            self.ctx.resume = p.frames;
            self.statement(line, p.line_no, p.at, p.offset, p.actor, p.first)?;
        }
        while self.paused.is_none() {
            if self.scenario.steps.len() >= self.ctx.pause_at {
                return Ok(false);
            }
            let Some((at_byte, n)) = self.next else {
                break;
            };
            let (line, after) = line_at(src, at_byte);
            self.next = after.map(|a| (a, n + 1));
            self.line(line, n, at_byte)?;
        }
        if self.paused.is_some() {
            return Ok(false);
        }
        self.close()?;
        if let Some(p) = self.pending.take() {
            return Err(ParseError {
                kind: ErrorKind::PredictWithoutStep,
                span: p.span,
            });
        }
        if self.scenario.steps.is_empty() {
            return Err(at(self.title_line, "", 0, 0, ErrorKind::NoSteps));
        }
        self.end = Some(Ok(()));
        Ok(true)
    }

    /// Ends the open block: checks narration code spans, finishes a question.
    fn close(&mut self) -> Result<(), ParseError> {
        close(
            &mut self.open,
            &mut self.ticks,
            &mut self.draft,
            &mut self.pending,
        )
    }

    /// Reads line `n` (which starts at byte `at_byte`).
    fn line(&mut self, line: &str, n: u32, at_byte: usize) -> Result<(), ParseError> {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() {
            return self.close();
        }
        let steps = &mut self.scenario.steps;
        if indent > 0 {
            match self.open {
                Open::None => {
                    return Err(at(
                        n,
                        line,
                        indent,
                        line.trim_end().len(),
                        ErrorKind::UnexpectedIndent,
                    ))
                }
                Open::Narration(idx) => {
                    self.ticks.scan(n, line, indent);
                    steps[idx].narrate(trimmed.trim_end());
                }
                Open::Predict => {
                    let d = self.draft.as_mut().expect("Open::Predict has a draft");
                    predict_line(d, n, line, indent, &mut self.ticks)?;
                }
            }
            return Ok(());
        }
        // A new directive or statement ends what was open.
        self.close()?;
        if trimmed.starts_with('#') || trimmed.starts_with('%') {
            return Ok(());
        }
        let steps = &mut self.scenario.steps;
        let ctx = &mut self.ctx;
        let word_end = line.find([' ', '\t']).unwrap_or(line.len());
        let word = &line[..word_end];
        match word {
            "syntax" => {
                let value = line[word_end..].trim();
                ctx.syntax = match value {
                    _ if !steps.is_empty() => {
                        return Err(at(n, line, 0, word_end, ErrorKind::BadSyntaxLine))
                    }
                    "elixir" => Syntax::Elixir,
                    "erlang" => Syntax::Erlang,
                    _ => return Err(at(n, line, 0, line.len(), ErrorKind::BadSyntaxLine)),
                };
                self.scenario.syntax = ctx.syntax;
            }
            "vm" => {
                if !steps.is_empty() {
                    return Err(at(n, line, 0, word_end, ErrorKind::BadVmLine));
                }
                let mut cur = Cursor::new(line, word_end, n, ctx.syntax)?;
                self.scenario.vm = self.overrides.apply(vm_line(&mut cur, self.scenario.vm)?);
            }
            "actor" => {
                let (op, code, span) = actor(ctx, &self.scenario.vm, line, word_end, n)?;
                let idx = push(steps, &mut self.pending, op, code, span);
                self.last = Some((idx, None));
                self.open = Open::Narration(idx);
            }
            "expect" => {
                let Some((idx, actor)) = self.last else {
                    return Err(at(n, line, 0, word_end, ErrorKind::ExpectWithoutStep));
                };
                let mut cur = Cursor::new(line, word_end, n, ctx.syntax)?;
                let e = expect::parse_expect(&mut cur, ctx, actor)?;
                steps[idx].add_expect(e);
            }
            "predict" => {
                if let Some(p) = self.pending.take() {
                    return Err(ParseError {
                        kind: ErrorKind::PredictWithoutStep,
                        span: p.span,
                    });
                }
                let question = line[word_end..].trim();
                if question.is_empty() {
                    return Err(at(n, line, 0, word_end, ErrorKind::UnexpectedEnd));
                }
                self.ticks.scan(n, line, word_end);
                self.draft = Some(PredictDraft {
                    span: lex::span(n, line, 0, word_end),
                    question: question.to_string(),
                    choices: Vec::new(),
                    answers: 0,
                    answer_at: None,
                    explanation: None,
                });
                self.open = Open::Predict;
            }
            _ => {
                let (actor, offset) = match actor_prefix(line) {
                    Some((name, offset)) => match ctx.actor(name) {
                        Some(pid) => (Some(pid), offset),
                        None => return Err(at(n, line, 0, name.len(), ErrorKind::UnknownActor)),
                    },
                    None => (None, 0),
                };
                self.statement(line, n, at_byte, offset, actor, None)?;
            }
        }
        Ok(())
    }

    /// Reads the statement of line `n` from `offset` (or goes on with it, after a pause), adding its steps.
    fn statement(
        &mut self,
        line: &str,
        n: u32,
        at_byte: usize,
        offset: usize,
        actor: Option<Pid>,
        mut first: Option<usize>,
    ) -> Result<(), ParseError> {
        let produced = statement::statement(&mut self.ctx, line, offset, n, actor);
        // What resumes the statement is used up by now; never by the next.
        self.ctx.resume.clear();
        let span = lex::span(n, line, offset, line.trim_end().len());
        let steps = &mut self.scenario.steps;
        for (op, code, expr_at) in produced? {
            let idx = push(steps, &mut self.pending, op, code, span);
            steps[idx].expr_at = expr_at.map(|at| lex::span(n, line, at, at + 1));
            first.get_or_insert(idx);
        }
        if !self.ctx.paused.is_empty() {
            let mut frames = core::mem::take(&mut self.ctx.paused);
            frames.reverse();
            self.paused = Some(Paused {
                line_no: n,
                at: at_byte,
                offset,
                actor,
                first,
                frames,
            });
            return Ok(());
        }
        if let Some(first) = first {
            // The statement's steps are the last ones.
            self.last = Some((steps.len() - 1, actor));
            self.open = Open::Narration(first);
        }
        Ok(())
    }

    /// How many steps the whole text makes, counted from its loops' heads without reading the statements (a
    /// fraction of the time of reading them): what a page shows as the length of a read still under way. `None`
    /// when the heads alone show the text is wrong (reading it then says where).
    pub fn count(&self, src: &str) -> Option<usize> {
        let src = src.strip_prefix('\u{feff}').unwrap_or(src);
        let mut ctx = Ctx::new(Syntax::Elixir);
        ctx.counting = true;
        let mut next = self.body;
        while let Some((at_byte, n)) = next {
            let (line, after) = line_at(src, at_byte);
            next = after.map(|a| (a, n + 1));
            // Blank lines, narration, questions and comments make no steps.
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.len() < line.len() || trimmed.starts_with(['#', '%']) {
                continue;
            }
            let word_end = line.find([' ', '\t']).unwrap_or(line.len());
            match &line[..word_end] {
                "syntax" => match line[word_end..].trim() {
                    "elixir" => ctx.syntax = Syntax::Elixir,
                    "erlang" => ctx.syntax = Syntax::Erlang,
                    _ => return None,
                },
                "vm" | "expect" | "predict" => {}
                "actor" if ctx.n_steps < super::MAX_STEPS => ctx.n_steps += 1,
                "actor" => return None,
                _ => {
                    let offset = actor_prefix(line).map_or(0, |(_, offset)| offset);
                    statement::statement(&mut ctx, line, offset, n, None).ok()?;
                }
            }
        }
        Some(ctx.n_steps)
    }
}

/// `vm SETTING: VALUE, ...`: the emulator's switches and spawn defaults.
fn vm_line(
    cur: &mut Cursor<'_>,
    mut vm: super::VmSettings,
) -> Result<super::VmSettings, ParseError> {
    loop {
        let key = cur.next().ok_or_else(|| cur.error_end())?;
        cur.expect_punct(":")?;
        let value = cur.peek().ok_or_else(|| cur.error_end())?;
        let bad = cur.error_at(value, ErrorKind::BadOptionValue);
        match cur.text(key) {
            "message_queue_data" => {
                cur.next();
                vm.switches.message_queue_data = match cur.text(value) {
                    "on_heap" if matches!(value.tok, Tok::Atom | Tok::Ident) => {
                        MessageQueueData::OnHeap
                    }
                    "off_heap" if matches!(value.tok, Tok::Atom | Tok::Ident) => {
                        MessageQueueData::OffHeap
                    }
                    _ => return Err(bad),
                };
            }
            "sharing_preserving" => {
                cur.next();
                vm.switches.sharing_preserving = match cur.text(value) {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad),
                };
            }
            "fullsweep_after" => {
                let v = cur.int().map_err(|_| bad)?;
                vm.fullsweep_after = u32::try_from(v).map_err(|_| bad)?;
            }
            "min_heap_size" => {
                let v = cur.int().map_err(|_| bad)?;
                vm.min_heap_size = u64::try_from(v)
                    .ok()
                    .filter(|v| *v <= crate::vm::MAX_TERM_WORDS)
                    .ok_or(bad)?;
            }
            _ => return Err(cur.error_at(key, ErrorKind::BadVmLine)),
        }
        if !cur.eat_punct(",") {
            break;
        }
    }
    cur.finish()?;
    Ok(vm)
}

fn at(line_no: u32, line: &str, start: usize, end: usize, kind: ErrorKind) -> ParseError {
    ParseError {
        kind,
        span: lex::span(line_no, line, start, end),
    }
}

/// Adds a step, attaching a waiting question; returns its index.
fn push(
    steps: &mut Vec<Step>,
    pending: &mut Option<Predict>,
    op: crate::Op,
    code: String,
    span: Span,
) -> usize {
    let mut step = Step::new(op, code, span);
    if let Some(p) = pending.take() {
        step.set_predict(p);
    }
    steps.push(step);
    steps.len() - 1
}

/// Ends the open block: checks narration code spans, finishes a question.
fn close(
    open: &mut Open,
    ticks: &mut Backticks,
    draft: &mut Option<PredictDraft>,
    pending: &mut Option<Predict>,
) -> Result<(), ParseError> {
    *open = Open::None;
    ticks.close()?;
    let Some(d) = draft.take() else {
        return Ok(());
    };
    let span = d.span;
    let fail = move |kind| Err(ParseError { kind, span });
    if d.choices.len() < 2 {
        return fail(ErrorKind::PredictNeedsChoices);
    }
    if d.answers != 1 {
        return fail(ErrorKind::PredictNeedsOneAnswer);
    }
    let Some(explanation) = d.explanation else {
        return fail(ErrorKind::PredictNeedsExplanation);
    };
    *pending = Some(Predict {
        span: d.span,
        answer: d.answer_at.unwrap_or(0),
        question: d.question,
        choices: d.choices,
        explanation,
    });
    Ok(())
}

/// One indented line of a question: `[ ] choice`, `[x] choice`, `because …`, or a continuation.
fn predict_line(
    d: &mut PredictDraft,
    n: u32,
    line: &str,
    indent: usize,
    ticks: &mut Backticks,
) -> Result<(), ParseError> {
    let text = line[indent..].trim_end();
    ticks.scan(n, line, indent);
    let choice = text
        .strip_prefix("[ ]")
        .map(|t| (false, t))
        .or_else(|| text.strip_prefix("[x]").map(|t| (true, t)));
    if let Some((right, t)) = choice {
        if d.explanation.is_some() {
            return Err(at(n, line, indent, indent + 3, ErrorKind::UnexpectedToken));
        }
        if t.trim().is_empty() {
            return Err(at(n, line, indent, indent + 3, ErrorKind::UnexpectedEnd));
        }
        if right {
            d.answers += 1;
            d.answer_at = Some(d.choices.len());
        }
        d.choices.push(t.trim().to_string());
        return Ok(());
    }
    if let Some(t) = text.strip_prefix("because ") {
        if d.explanation.is_some() {
            return Err(at(n, line, indent, indent + 7, ErrorKind::UnexpectedToken));
        }
        d.explanation = Some(t.trim().to_string());
        return Ok(());
    }
    // A continuation of the explanation, or of the last choice.
    let target = match (&mut d.explanation, d.choices.last_mut()) {
        (Some(e), _) => e,
        (None, Some(c)) => c,
        (None, None) => {
            return Err(at(
                n,
                line,
                indent,
                line.len(),
                ErrorKind::PredictNeedsChoices,
            ))
        }
    };
    target.push(' ');
    target.push_str(text.trim());
    Ok(())
}

/// `NAME: ` at the start of a line: the actor running the statement, and where the statement starts.
fn actor_prefix(line: &str) -> Option<(&str, usize)> {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let name = &line[..end];
    let first = name.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let rest = line[end..].strip_prefix(':')?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let offset = end + 1 + (rest.len() - rest.trim_start().len());
    Some((name, offset))
}

/// `actor NAME[, option: value]*`: the spawn op, its code, and the span of the name.
fn actor(
    ctx: &mut Ctx,
    vm: &super::VmSettings,
    line: &str,
    from: usize,
    n: u32,
) -> Result<(crate::Op, String, Span), ParseError> {
    let mut cur = Cursor::new(line, from, n, ctx.syntax)?;
    let name_tok = cur.next().ok_or_else(|| cur.error_end())?;
    let want = match ctx.syntax {
        Syntax::Elixir => Tok::Ident,
        Syntax::Erlang => Tok::Upper,
    };
    let name = cur.text(name_tok);
    if name_tok.tok != want || name == "_" {
        return Err(cur.error_at(name_tok, ErrorKind::BadActorName));
    }
    if ctx.actor(name).is_some() {
        return Err(cur.error_at(name_tok, ErrorKind::DuplicateActor));
    }
    let mut opts = SpawnOpts {
        min_heap_size: vm.min_heap_size,
        fullsweep_after: vm.fullsweep_after,
        message_queue_data: vm.switches.message_queue_data,
        ..SpawnOpts::default()
    };
    let mut written: Vec<(&str, String)> = Vec::new();
    while cur.eat_punct(",") {
        let key = cur.next().ok_or_else(|| cur.error_end())?;
        cur.expect_punct(":")?;
        let value = cur.peek().ok_or_else(|| cur.error_end())?;
        let bad = cur.error_at(value, ErrorKind::BadOptionValue);
        let key_text = cur.text(key);
        match key_text {
            "min_heap_size" | "max_heap_size" | "fullsweep_after" => {
                let v = cur.int().map_err(|_| bad)?;
                let v = u64::try_from(v).map_err(|_| bad)?;
                match key_text {
                    "min_heap_size" if v <= crate::vm::MAX_TERM_WORDS => opts.min_heap_size = v,
                    "max_heap_size" => opts.max_heap_size = v,
                    "fullsweep_after" if v <= u64::from(u32::MAX) => {
                        opts.fullsweep_after = v as u32
                    }
                    _ => return Err(bad),
                }
                written.push((key_text, format!("{v}")));
            }
            "message_queue_data" => {
                cur.next();
                if !matches!(value.tok, Tok::Atom | Tok::Ident) {
                    return Err(bad);
                }
                opts.message_queue_data = match cur.text(value) {
                    "on_heap" => MessageQueueData::OnHeap,
                    "off_heap" => MessageQueueData::OffHeap,
                    _ => return Err(bad),
                };
                written.push((key_text, opts.message_queue_data.to_string()));
            }
            _ => return Err(cur.error_at(key, ErrorKind::UnknownOption)),
        }
    }
    cur.finish()?;
    let code = spawn_code(ctx.syntax, name, &written);
    let span = cur.span_of(name_tok);
    let op = ctx.spawn(name, opts, span)?;
    Ok((op, code, span))
}

/// How the learner would spawn the actor.
fn spawn_code(syntax: Syntax, name: &str, opts: &[(&str, String)]) -> String {
    let mut code = String::new();
    match syntax {
        Syntax::Elixir if opts.is_empty() => {
            code.push_str(&format!("{name} = spawn(fn -> ... end)"))
        }
        Syntax::Elixir => {
            code.push_str(&format!("{name} = Process.spawn(fn -> ... end, "));
            for (i, (k, v)) in opts.iter().enumerate() {
                let sep = if i > 0 { ", " } else { "" };
                let colon = if *k == "message_queue_data" { ":" } else { "" };
                code.push_str(&format!("{sep}{k}: {colon}{v}"));
            }
            code.push(')');
        }
        Syntax::Erlang if opts.is_empty() => {
            code.push_str(&format!("{name} = spawn(fun() -> ... end)"))
        }
        Syntax::Erlang => {
            code.push_str(&format!("{name} = spawn_opt(fun() -> ... end, ["));
            for (i, (k, v)) in opts.iter().enumerate() {
                let sep = if i > 0 { ", " } else { "" };
                code.push_str(&format!("{sep}{{{k}, {v}}}"));
            }
            code.push_str("])");
        }
    }
    code
}
