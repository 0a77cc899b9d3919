//! Bindings for the diagnostics views of issue 8: `recon:proc_count/2` (`top`), `process_info/2` (`process_info`),
//! `recon:bin_leak/1`'s report (`bin_leak_report`), which `erlang:memory()` category grows (`memory_growth`), and a
//! the VM switches in force (`vm_settings`; `open` takes the switches to force).
//! Translation only, like the rest of the crate: every number comes from the core (`view::top`, `view::memory_growth`,
//! the process's own fields), written as JSON text by hand.

use crate::{Json, MemoryAt, Simulator, PREVIEW_CHARS};
use beamviz::event::Event;
use beamviz::expr::Lang;
use beamviz::process::MessageQueueData;
use beamviz::view::{self, TopBy};
use beamviz::{History, Pid};
use wasm_bindgen::prelude::*;

/// Every ranking of `recon:proc_count/2` the page offers, in the order of its choice.
const TOP_KEYS: [TopBy; 4] = [
    TopBy::Memory,
    TopBy::TotalHeapSize,
    TopBy::BinaryMemory,
    TopBy::MessageQueueLen,
];

/// How long a message printed in the drill-down may get (longer than the mailbox view's previews).
const DRILL_CHARS: usize = 200;

#[wasm_bindgen]
impl Simulator {
    /// Everything the diagnostics views show at the current step, in one call (one binding instead of five keeps the
    /// shipped module smaller), as JSON `{vm, top, process, bin_leak, growth}`: see the functions below.
    /// `pid` is the selected process (or none), `lang` how its terms are printed, `window` the steps of "growing now".
    pub fn diagnostics(
        &mut self,
        by: &str,
        n: usize,
        pid: Option<u32>,
        lang: &str,
        window: usize,
    ) -> String {
        let mut j = Json::default();
        j.open('{');
        j.key("vm");
        j.raw(&self.vm_settings());
        j.key("top");
        j.raw(&self.top(by, n));
        j.key("process");
        j.raw(&pid.map_or_else(|| "null".into(), |pid| self.process_info(pid, lang)));
        j.key("bin_leak");
        j.raw(&self.bin_leak_report());
        j.key("growth");
        j.raw(&self.memory_growth(window));
        j.close('}');
        j.0
    }
}

impl Simulator {
    /// The switches this run uses (the scenario's `vm` line, then any forced ones), as JSON
    /// `{message_queue_data, sharing_preserving, fullsweep_after, min_heap_size}`.
    pub fn vm_settings(&self) -> String {
        let vm = self.scenario().vm;
        let mut j = Json::default();
        j.open('{');
        j.key("message_queue_data");
        j.str(mqd_name(vm.switches.message_queue_data));
        j.key("sharing_preserving");
        j.bool(vm.switches.sharing_preserving);
        j.key("fullsweep_after");
        j.num(vm.fullsweep_after.into());
        j.key("min_heap_size");
        j.num(vm.min_heap_size);
        j.close('}');
        j.0
    }

    /// `recon:proc_count(By, N)` at the current step (`view::top_of`): `{by, rows: [{pid, name, value, memory,
    /// total_heap_size, binary_memory, message_queue_len}]}`, largest `by` first. An unknown `by` ranks by `memory`.
    pub fn top(&self, by: &str, n: usize) -> String {
        let by: TopBy = by.parse().unwrap_or(TopBy::Memory);
        let vm = self.history.vm();
        let mut j = Json::default();
        j.open('{');
        j.key("by");
        j.str(by.name());
        j.key("rows");
        j.open('[');
        // Only the first `n` of `by` are ranked; the other columns of those rows are read from their processes.
        for (pid, value) in view::top_of(vm, by, n) {
            let Some(p) = vm.process(Pid(pid)) else {
                continue;
            };
            j.open('{');
            j.key("pid");
            j.num(pid.into());
            j.key("name");
            j.str(&p.name);
            j.key("value");
            j.num(value);
            for k in TOP_KEYS {
                j.key(k.name());
                j.num(view::top_value(vm, p, k));
            }
            j.close('}');
        }
        j.close(']');
        j.close('}');
        j.0
    }

    /// Everything the model knows of process `pid` at the current step, as `process_info/2` and observer's process
    /// tab group it, as JSON; terms printed in `lang` (`"erlang"` or `"elixir"`). `null` when there is no such process.
    pub fn process_info(&self, pid: u32, lang: &str) -> String {
        let vm = self.history.vm();
        let Some(p) = vm.process(Pid(pid)) else {
            return "null".into();
        };
        let lang = if lang == "elixir" {
            Lang::Elixir
        } else {
            Lang::Erlang
        };
        let alive = p.is_alive();
        let mut j = Json::default();
        j.open('{');
        j.key("pid");
        j.num(pid.into());
        j.key("name");
        j.str(&p.name);
        j.key("alive");
        j.bool(alive);
        j.key("stage");
        j.str(&p.stage.to_string());
        j.key("hibernated");
        j.bool(p.hibernation.is_some());
        j.key("message_queue_data");
        j.str(mqd_name(p.opts.message_queue_data));
        let stack = if alive { p.stack_size() } else { 0 };
        j.key("sizes");
        nums(
            &mut j,
            &[
                ("memory", p.memory_bytes()),
                ("heap_size", p.heap_size()),
                ("stack_size", stack),
                ("total_heap_size", p.total_heap_size()),
                ("mbuf_size", p.mbuf_size()),
                ("message_queue_len", p.mailbox.len() as u64),
            ],
        );
        j.key("garbage_collection");
        nums(
            &mut j,
            &[
                ("max_heap_size", p.opts.max_heap_size),
                ("min_bin_vheap_size", beamviz::process::MIN_BIN_VHEAP_SIZE),
                ("min_heap_size", p.min_heap_size),
                ("fullsweep_after", p.opts.fullsweep_after.into()),
                ("minor_gcs", p.gen_gcs.into()),
            ],
        );
        // `erlang:process_info(P, garbage_collection_info)`, in `erts_process_gc_info`'s order.
        j.key("garbage_collection_info");
        nums(
            &mut j,
            &[
                ("old_heap_block_size", p.old_heap_size()),
                ("heap_block_size", p.heap_size()),
                ("mbuf_size", p.mbuf_size()),
                ("recent_size", p.high_water),
                ("stack_size", stack),
                ("old_heap_size", p.old_htop),
                ("heap_size", p.htop),
                ("bin_vheap_size", p.bin_vheap),
                ("bin_vheap_block_size", p.bin_vheap_sz),
                ("bin_old_vheap_size", p.bin_old_vheap),
                ("bin_old_vheap_block_size", p.bin_old_vheap_sz),
            ],
        );
        j.key("gc_counters");
        nums(
            &mut j,
            &[
                ("minor", p.counters.minor),
                ("major", p.counters.major),
                ("reclaimed", p.counters.reclaimed),
            ],
        );
        let areas = vm.areas_of(p);
        // `process_info(P, binary)`: one `{id, size, refc}` per handle on the off-heap list.
        j.key("binaries");
        j.open('[');
        for addr in &p.off_heap {
            let id = areas.word(addr.add(3)).0 as u32;
            let bin = vm
                .binaries()
                .iter()
                .find(|(b, _)| b.0 == id)
                .map(|(_, b)| b);
            j.open('{');
            j.key("id");
            j.num(id.into());
            j.key("size");
            j.num(bin.map_or(0, |b| b.bytes));
            j.key("refc");
            j.num(bin.map_or(0, |b| b.refc).into());
            j.close('}');
        }
        j.close(']');
        j.key("vars");
        j.open('[');
        for (name, t) in p.vars() {
            j.open('{');
            j.key("name");
            j.str(name);
            j.key("size");
            j.num(view::shared_size(&areas, t));
            j.key("value");
            j.str(&view::preview_in(vm, &areas, t, PREVIEW_CHARS, lang));
            j.close('}');
        }
        j.close(']');
        j.key("messages");
        j.open('[');
        for m in &p.mailbox {
            j.str(&view::preview_in(vm, &areas, m.term, DRILL_CHARS, lang));
        }
        j.close(']');
        j.close('}');
        j.0
    }

    /// `recon:bin_leak/1`'s report at the current step, from its events: `{released: [{pid, name, refs, bytes}],
    /// binaries: [{bin, pid, refc, to}], freed: [bin]}` (`binaries`: each handle released, with the count before and
    /// after; `freed`: the binaries whose count reached 0, in event order). Empty lists when no `bin_leak` ran.
    pub fn bin_leak_report(&self) -> String {
        let vm = self.history.vm();
        let events = self.history.events_at(self.history.step());
        let leaked = |pid: Pid| {
            events
                .iter()
                .any(|e| matches!(e, Event::BinariesReleased { pid: p, .. } if *p == pid))
        };
        let mut j = Json::default();
        j.open('{');
        j.key("released");
        j.open('[');
        for e in events {
            if let Event::BinariesReleased { pid, refs, bytes } = *e {
                j.open('{');
                j.key("pid");
                j.num(pid.0.into());
                j.key("name");
                j.str(vm.process(pid).map_or("", |p| p.name.as_str()));
                j.key("refs");
                j.num(refs);
                j.key("bytes");
                j.num(bytes);
                j.close('}');
            }
        }
        j.close(']');
        let any = events
            .iter()
            .any(|e| matches!(e, Event::BinariesReleased { .. }));
        j.key("binaries");
        j.open('[');
        for e in events {
            if let Event::RefcChanged { bin, refc, to, by } = *e {
                if to < refc && leaked(by) {
                    j.open('{');
                    j.key("bin");
                    j.num(bin.0.into());
                    j.key("pid");
                    j.num(by.0.into());
                    j.key("refc");
                    j.num(refc.into());
                    j.key("to");
                    j.num(to.into());
                    j.close('}');
                }
            }
        }
        j.close(']');
        j.key("freed");
        j.open('[');
        for e in events {
            if let Event::BinaryFreed { bin } = *e {
                if any {
                    j.num(bin.0.into());
                }
            }
        }
        j.close(']');
        j.close('}');
        j.0
    }

    /// Which `erlang:memory()` category grows (`view::memory_growth`), over the last `window` steps and since step 0,
    /// with the largest growth of one process's `memory` over the window: `{window, from, recent: [{category, now,
    /// delta}], since_start: [...], growing, growing_since_start, process: {pid, name, delta} | null}`.
    /// Seeks back and returns to the current step.
    pub fn memory_growth(&mut self, window: usize) -> String {
        let here = self.history.step();
        let from = here.saturating_sub(window.max(1));
        let now = view::memory(self.history.vm());
        let now_procs = view::process_memory(self.history.vm());
        let cached =
            |recent: &[MemoryAt], step: usize| recent.iter().rev().find(|r| r.0 == step).cloned();
        let (start, then, then_procs) = match (cached(&self.recent, 0), cached(&self.recent, from))
        {
            (Some(start), Some(then)) => (start.1, then.1, then.2),
            _ => {
                // Step 0 first (its checkpoint is the empty machine), then `from`, then forward to `here`: one
                // checkpoint restored and `here - from` ops replayed, instead of two restores.
                let figures =
                    |h: &History| (h.step(), view::memory(h.vm()), view::process_memory(h.vm()));
                self.history.seek(0);
                let start = figures(&self.history);
                self.remember(start.clone());
                self.history.seek(from);
                let then = figures(&self.history);
                // The steps on the way back to `here` are remembered too: playing on from here finds them.
                for step in from..here {
                    self.history.seek(step);
                    let entry = figures(&self.history);
                    self.remember(entry);
                }
                self.history.seek(here);
                (start.1, then.1, then.2)
            }
        };
        self.remember((here, now.clone(), now_procs.clone()));
        let recent = view::memory_growth(&then, &now);
        let since = view::memory_growth(&start, &now);
        let mut j = Json::default();
        j.open('{');
        j.key("window");
        j.num((here - from) as u64);
        j.key("from");
        j.num(from as u64);
        for (key, g) in [("recent", &recent), ("since_start", &since)] {
            j.key(key);
            j.open('[');
            for c in g {
                j.open('{');
                j.key("category");
                j.str(c.category);
                j.key("now");
                j.num(c.now);
                j.key("delta");
                signed(&mut j, c.delta);
                j.close('}');
            }
            j.close(']');
        }
        for (key, g) in [("growing", &recent), ("growing_since_start", &since)] {
            j.key(key);
            match view::fastest_growing(g) {
                Some(c) => j.str(c),
                None => j.raw("null"),
            }
        }
        j.key("process");
        match view::largest_process_growth(&then_procs, &now_procs) {
            Some((pid, delta)) => {
                j.open('{');
                j.key("pid");
                j.num(pid.into());
                j.key("name");
                let vm = self.history.vm();
                j.str(vm.process(Pid(pid)).map_or("", |p| p.name.as_str()));
                j.key("delta");
                signed(&mut j, delta);
                j.close('}');
            }
            None => j.raw("null"),
        }
        j.close('}');
        j.0
    }
}

impl Simulator {
    /// Keeps step `entry.0`'s memory figures among the last few read; step 0's stays.
    fn remember(&mut self, entry: MemoryAt) {
        /// Enough for the growth window of the page (5 steps) while playing forward.
        const RECENT: usize = 8;
        if self.recent.iter().any(|r| r.0 == entry.0) {
            return;
        }
        if self.recent.len() > RECENT {
            let drop = self.recent.iter().position(|r| r.0 != 0).unwrap_or(0);
            self.recent.remove(drop);
        }
        self.recent.push(entry);
    }
}

/// `+hmqd`'s value names.
fn mqd_name(m: MessageQueueData) -> &'static str {
    match m {
        MessageQueueData::OnHeap => "on_heap",
        MessageQueueData::OffHeap => "off_heap",
    }
}

/// An object of named counts.
fn nums(j: &mut Json, fields: &[(&str, u64)]) {
    j.open('{');
    for &(key, v) in fields {
        j.key(key);
        j.num(v);
    }
    j.close('}');
}

/// A signed integer (a growth can be negative).
fn signed(j: &mut Json, v: i64) {
    if v < 0 {
        j.raw("-");
        j.0.push_str(&{
            let mut k = Json::default();
            k.num(v.unsigned_abs());
            k.0
        });
    } else {
        j.num(v as u64);
    }
}
