//! Floats to decimal text and back, exactly, on the evaluator's own big integers ([`BigInt`]).
//!
//! Why not core's: `str::parse::<f64>` links a 10 KB table of powers of five (Eisel–Lemire) and `{:?}`/`{:e}` link
//! Grisu and Dragon with their tables, together about 14 KB of the gzipped wasm module.
//! Here both directions are plain big-integer arithmetic: a float is `m·2^e`, so its exact decimal expansion is the
//! integer `m·2^e` or `m·5^-e` (shifted by `e` places), and a decimal `D·10^E` is the quotient `D·5^E / 5^-E`
//! times `2^E`, rounded once.
//! That is slower than core's (a few big-integer operations a call), which doesn't matter for literals and printed
//! terms, and gives the same text: the tests compare it with core's formatting on random floats.

use super::num::BigInt;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// Decimal digits `d` (values 0–9, the first non-zero, no trailing zeros) and `k`: the value is `0.d × 10^k`.
type Decimal = (Vec<u8>, i32);

/// `5^n` as a big integer.
fn pow5(mut n: u32) -> BigInt {
    // 5^27 is the largest power of five below 2^63.
    let mut acc = BigInt::from_i128(1);
    while n > 0 {
        let step = n.min(27);
        acc = acc.mul(&BigInt::from_i128(5i128.pow(step)));
        n -= step;
    }
    acc
}

/// The number of significant bits of a non-negative big integer.
fn bit_len(n: &BigInt) -> u32 {
    n.mag.last().map_or(0, |top| {
        64 * (n.mag.len() as u32 - 1) + (64 - top.leading_zeros())
    })
}

/// The exact decimal expansion of a finite, non-zero float's magnitude.
fn exact(x: f64) -> Decimal {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7FF) as i32;
    let frac = bits & ((1 << 52) - 1);
    let (m, e) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), biased - 1075)
    };
    let m = BigInt::from_i128(i128::from(m));
    // m·2^e is the integer m·2^e, or the integer m·5^-e divided by 10^-e.
    let (int, shift) = if e >= 0 {
        (m.shl(i64::from(e)), 0)
    } else {
        (m.mul(&pow5(e.unsigned_abs())), e)
    };
    let mut digits: Vec<u8> = int.to_string_radix(10).bytes().map(|c| c - b'0').collect();
    let k = digits.len() as i32 + shift;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    (digits, k)
}

/// `d` rounded to at most `n` significant digits, ties to even (trailing zeros dropped).
fn round(d: &Decimal, n: usize) -> Decimal {
    let (digits, k) = d;
    if digits.len() <= n {
        return d.clone();
    }
    let mut out = digits[..n].to_vec();
    let next = digits[n];
    // Trailing zeros are dropped, so any digit after `next` makes it more than half.
    let more = digits.len() > n + 1;
    let odd = out.last().is_some_and(|d| d % 2 == 1);
    if next > 5 || (next == 5 && (more || odd)) {
        return up(out, *k);
    }
    while out.last() == Some(&0) {
        out.pop();
    }
    (out, *k)
}

/// `digits` plus one unit in its last place.
fn up(mut digits: Vec<u8>, k: i32) -> Decimal {
    while let Some(last) = digits.pop() {
        if last < 9 {
            digits.push(last + 1);
            return (digits, k);
        }
    }
    // All nines: 0.99…9 × 10^k rounds to 0.1 × 10^(k+1).
    (alloc::vec![1], k + 1)
}

/// The float nearest to `0.d × 10^k` (ties to even), as `str::parse::<f64>` reads it: 0 below the smallest
/// subnormal's half, infinity above the largest float.
fn nearest(d: &Decimal) -> f64 {
    let (digits, k) = d;
    if digits.is_empty() || *k < -330 {
        return 0.0;
    }
    if *k > 310 {
        return f64::INFINITY;
    }
    let mut int = BigInt::default();
    let mut chunk = 0i128;
    let mut scale = 1i128;
    for &digit in digits {
        chunk = chunk * 10 + i128::from(digit);
        scale *= 10;
        if scale == 1_000_000_000_000_000_000 {
            int = int
                .mul(&BigInt::from_i128(scale))
                .add(&BigInt::from_i128(chunk));
            (chunk, scale) = (0, 1);
        }
    }
    int = int
        .mul(&BigInt::from_i128(scale))
        .add(&BigInt::from_i128(chunk));
    // value = int × 10^exp10 = (num / den) × 2^exp10.
    let exp10 = k - digits.len() as i32;
    let (num, den) = if exp10 >= 0 {
        (int.mul(&pow5(exp10.unsigned_abs())), BigInt::from_i128(1))
    } else {
        (int, pow5(exp10.unsigned_abs()))
    };
    // Scale so that the quotient has 66 or 67 bits: 53 for the mantissa, the rest and the remainder for rounding.
    let shift = 66 + bit_len(&den) as i64 - bit_len(&num) as i64;
    let (mut num, den) = if shift >= 0 {
        (num.shl(shift), den)
    } else {
        (num, den.shl(-shift))
    };
    let mut q: u128 = 0;
    for bit in (0..68).rev() {
        let part = den.shl(bit);
        if num.compare(&part) != Ordering::Less {
            num = num.sub(&part);
            q |= 1 << bit;
        }
    }
    let sticky = !num.is_zero();
    // value = (q + sticky) × 2^t0; round q to the bits a float keeps at that magnitude.
    let t0 = i64::from(exp10) - shift;
    let lead = 127 - i64::from(q.leading_zeros()) + t0;
    let t = (lead - 52).max(-1074);
    let drop = t - t0;
    if drop >= 128 {
        return 0.0;
    }
    let drop = drop as u32;
    let mut mant = q >> drop;
    let rest = q & ((1 << drop) - 1);
    let half = 1u128 << (drop - 1);
    if rest > half || (rest == half && (sticky || mant & 1 == 1)) {
        mant += 1;
    }
    // Subnormals have t = -1074 and a biased exponent of 0; a mantissa that rounds up to 2^52 (or 2^53) carries into
    // the exponent field by itself.
    let bits = (((t + 1074) as u128) << 52) + mant;
    if bits >= 0x7FF << 52 {
        f64::INFINITY
    } else {
        f64::from_bits(bits as u64)
    }
}

/// The shortest decimal that reads back as `x` (finite, non-zero magnitude), the nearest of those if there are two.
fn shortest(x: f64) -> Decimal {
    let x = x.abs();
    let d = exact(x);
    // 17 significant digits always read back as x, so the loop returns by then.
    for n in 1..=17 {
        if d.0.len() <= n {
            break;
        }
        let mut low = (d.0[..n].to_vec(), d.1);
        while low.0.last() == Some(&0) {
            low.0.pop();
        }
        let high = up(d.0[..n].to_vec(), d.1);
        // Nearest first, and a tie rounds up, as core's Grisu does; the farther neighbour may still read back as x.
        let (near, far) = if d.0[n] >= 5 {
            (high, low)
        } else {
            (low, high)
        };
        if nearest(&near) == x {
            return near;
        }
        if nearest(&far) == x {
            return far;
        }
    }
    d
}

/// Reads the text of a float literal (`digits.digits`, an optional exponent `e`/`E` with an optional sign; no
/// underscores) as the nearest float, as `str::parse::<f64>` does; `None` if the text is not of that form.
pub fn parse(text: &str) -> Option<f64> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut k = 0i64;
    if let Some(exp) = exp {
        let (neg, exp_digits) = match exp.as_bytes().first() {
            Some(b'-') => (true, &exp[1..]),
            Some(b'+') => (false, &exp[1..]),
            _ => (false, exp),
        };
        if exp_digits.is_empty() {
            return None;
        }
        for c in exp_digits.bytes() {
            if !c.is_ascii_digit() {
                return None;
            }
            // Past a million the value is 0 or infinite whatever the digits: stop growing.
            k = (k * 10 + i64::from(c - b'0')).min(1_000_000);
        }
        if neg {
            k = -k;
        }
    }
    let mut digits = Vec::new();
    k += int.len() as i64;
    for c in int.bytes().chain(frac.bytes()) {
        if !c.is_ascii_digit() {
            return None;
        }
        if digits.is_empty() && c == b'0' {
            k -= 1;
        } else {
            digits.push(c - b'0');
        }
    }
    // A halfway case needs at most 768 significant digits: keep 800, and a final 1 for any non-zero digit dropped.
    if digits.len() > 800 {
        let dropped = digits[800..].iter().any(|&d| d != 0);
        digits.truncate(800);
        if dropped {
            digits.push(1);
        }
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    Some(nearest(&(digits, k.clamp(-1_000_000, 1_000_000) as i32)))
}

/// `format!("{x:?}")`: the shortest round-trip digits, in exponent form below 1e-4 and from 1e16 on (`1e16`,
/// `1.5e-5`), else with at least one digit after the point (`1.0`, `0.001`); `NaN`, `inf`, `-inf`, `-0.0`.
pub fn debug(x: f64) -> String {
    if x.is_nan() {
        return String::from("NaN");
    }
    let mut out = String::from(if x.is_sign_negative() { "-" } else { "" });
    let abs = x.abs();
    if abs.is_infinite() {
        out.push_str("inf");
        return out;
    }
    if abs == 0.0 {
        out.push_str("0.0");
        return out;
    }
    let (digits, k) = shortest(abs);
    let chars = || digits.iter().map(|d| char::from(b'0' + d));
    if !(1e-4..1e16).contains(&abs) {
        out.extend(chars().take(1));
        if digits.len() > 1 {
            out.push('.');
            out.extend(chars().skip(1));
        }
        out.push('e');
        push_int(&mut out, k - 1);
    } else if k <= 0 {
        out.push_str("0.");
        out.extend(core::iter::repeat_n('0', k.unsigned_abs() as usize));
        out.extend(chars());
    } else if k as usize >= digits.len() {
        out.extend(chars());
        out.extend(core::iter::repeat_n('0', k as usize - digits.len()));
        out.push_str(".0");
    } else {
        out.extend(chars().take(k as usize));
        out.push('.');
        out.extend(chars().skip(k as usize));
    }
    out
}

/// `float_to_list/1` of a finite float: `io_lib:format("~.20e")`-style, 21 significant digits correctly rounded
/// (ties to even), a signed exponent of at least two digits: `1.50000000000000000000e+00`.
pub fn scientific20(x: f64) -> String {
    let mut out = String::from(if x.is_sign_negative() { "-" } else { "" });
    let (digits, k) = if x == 0.0 {
        (Vec::new(), 1)
    } else {
        round(&exact(x.abs()), 21)
    };
    for i in 0..21 {
        if i == 1 {
            out.push('.');
        }
        out.push(char::from(b'0' + digits.get(i).copied().unwrap_or(0)));
    }
    let e = k - 1;
    out.push_str(if e < 0 { "e-" } else { "e+" });
    if e.abs() < 10 {
        out.push('0');
    }
    push_int(&mut out, e.abs());
    out
}

fn push_int(out: &mut String, n: i32) {
    if n < 0 {
        out.push('-');
    }
    let mut n = n.unsigned_abs();
    let start = out.len();
    loop {
        out.insert(start, char::from(b'0' + (n % 10) as u8));
        n /= 10;
        if n == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    /// A small deterministic generator (xorshift), so a failure names its seed and repeats.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// The core formatting this module replaces, for `float_to_list/1`.
    fn core_scientific20(x: f64) -> String {
        let s = format!("{x:.20e}");
        let (mant, exp) = s.split_once('e').unwrap();
        let e: i32 = exp.parse().unwrap();
        format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }

    #[track_caller]
    fn check(x: f64) {
        assert_eq!(debug(x), format!("{x:?}"), "{:#x}", x.to_bits());
        if x.is_finite() {
            assert_eq!(scientific20(x), core_scientific20(x), "{:#x}", x.to_bits());
            let text = format!("{:e}", x.abs());
            assert_eq!(
                parse(&text).map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
        }
    }

    #[test]
    // Literals with more digits than a float holds are the point: they read as the float nearest to them.
    #[allow(clippy::excessive_precision)]
    fn formatting_matches_core_on_chosen_floats() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.2,
            0.3,
            1.5,
            2.5,
            1.25,
            0.125,
            100.0,
            123.456,
            1e15,
            9.999999999999999e15,
            1e16,
            1.5e16,
            1e-4,
            9.999e-5,
            0.0001,
            1e-5,
            1.7976931348623157e308,
            f64::MIN_POSITIVE,
            5e-324,
            1e-323,
            2.2250738585072009e-308,
            4.656612873077392578125e-10,
            9007199254740993.0,
            0.30000000000000004,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            core::f64::consts::PI,
            core::f64::consts::E,
            1e21,
            1e22,
            1e23,
        ] {
            check(x);
        }
        for e in -1074..=1023 {
            check(2f64.powi(e));
            check(f64::from_bits(2f64.powi(e).to_bits().wrapping_sub(1)));
            check(f64::from_bits(2f64.powi(e).to_bits() + 1));
        }
        for p in -330..=310 {
            check(format!("1e{p}").parse().unwrap());
            check(format!("5e{p}").parse().unwrap());
        }
    }

    #[test]
    fn formatting_matches_core_on_random_floats() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            check(f64::from_bits(rng.next()));
            // Short decimals, where ties and neighbours of round numbers are likely.
            let digits = rng.next() % 100_000;
            let exp = (rng.next() % 60) as i32 - 30;
            check(format!("{digits}e{exp}").parse().unwrap());
        }
    }

    #[test]
    fn parsing_matches_core() {
        let mut rng = Rng(7);
        for text in [
            "0.0",
            "1.0",
            "0.1",
            "1.5e10",
            "1.5E+10",
            "1.5e-10",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "4.9406564584124654e-324",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "1.0e309",
            "1.0e-400",
            "0.000000000000000000000000000000001",
            "123456789012345678901234567890.5",
            "9007199254740993.0",
            "9007199254740993.00000000000000000000001",
            "1.0e99999999999",
            "1.0e-99999999999",
        ] {
            assert_eq!(
                parse(text).map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
        }
        let long = format!("0.{}1", "0".repeat(900));
        assert_eq!(parse(&long), Some(0.0));
        let long = format!("2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125{}",
            "0".repeat(100));
        assert_eq!(
            parse(&long).map(f64::to_bits),
            long.parse::<f64>().ok().map(f64::to_bits)
        );
        for bad in ["", ".", "1e", "1e+", "1.x", "e5", "1.0e5.0"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        for _ in 0..2000 {
            let x = f64::from_bits(rng.next() & !(1 << 63));
            if x.is_finite() {
                let text = format!("{x:.30e}");
                assert_eq!(parse(&text).map(f64::to_bits), Some(x.to_bits()), "{text}");
            }
        }
    }
}
