//! Arbitrary-precision integers, enough for Erlang integer arithmetic (`big.c`): sign and 64-bit digits.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// An integer of any size: sign and magnitude, least significant digit first, no trailing zero digits.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct BigInt {
    /// Negative.
    pub neg: bool,
    /// Magnitude digits, least significant first.
    pub mag: Vec<u64>,
}

/// The largest magnitude the evaluator builds: 2^(64·4096) (a bignum of 4097 words).
pub const MAX_DIGITS: usize = 4096;

fn trim(mut v: Vec<u64>) -> Vec<u64> {
    while v.last() == Some(&0) {
        v.pop();
    }
    v
}

fn cmp_mag(a: &[u64], b: &[u64]) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.iter().rev().cmp(b.iter().rev()))
}

fn add_mag(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0u128;
    for i in 0..a.len().max(b.len()) {
        let s = u128::from(*a.get(i).unwrap_or(&0)) + u128::from(*b.get(i).unwrap_or(&0)) + carry;
        out.push(s as u64);
        carry = s >> 64;
    }
    out.push(carry as u64);
    trim(out)
}

/// a - b with a >= b.
fn sub_mag(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i128;
    for (i, &ai) in a.iter().enumerate() {
        let mut d = i128::from(ai) - i128::from(*b.get(i).unwrap_or(&0)) - borrow;
        borrow = 0;
        if d < 0 {
            d += 1 << 64;
            borrow = 1;
        }
        out.push(d as u64);
    }
    trim(out)
}

impl BigInt {
    /// From an i128.
    pub fn from_i128(n: i128) -> BigInt {
        let m = n.unsigned_abs();
        BigInt {
            neg: n < 0,
            mag: trim(vec![m as u64, (m >> 64) as u64]),
        }
    }
    /// The value if it fits an i128.
    pub fn to_i128(&self) -> Option<i128> {
        if self.mag.len() > 2 {
            return None;
        }
        let m = u128::from(*self.mag.first().unwrap_or(&0))
            | (u128::from(*self.mag.get(1).unwrap_or(&0)) << 64);
        if self.neg {
            if m <= i128::MAX as u128 + 1 {
                Some((m as i128).wrapping_neg())
            } else {
                None
            }
        } else {
            i128::try_from(m).ok()
        }
    }
    /// Whether it is zero.
    pub fn is_zero(&self) -> bool {
        self.mag.is_empty()
    }
    fn norm(mut self) -> BigInt {
        self.mag = trim(self.mag);
        if self.mag.is_empty() {
            self.neg = false;
        }
        self
    }
    /// Negation.
    pub fn neg(&self) -> BigInt {
        BigInt {
            neg: !self.neg,
            mag: self.mag.clone(),
        }
        .norm()
    }
    /// Sum.
    pub fn add(&self, o: &BigInt) -> BigInt {
        if self.neg == o.neg {
            return BigInt {
                neg: self.neg,
                mag: add_mag(&self.mag, &o.mag),
            }
            .norm();
        }
        match cmp_mag(&self.mag, &o.mag) {
            Ordering::Less => BigInt {
                neg: o.neg,
                mag: sub_mag(&o.mag, &self.mag),
            },
            _ => BigInt {
                neg: self.neg,
                mag: sub_mag(&self.mag, &o.mag),
            },
        }
        .norm()
    }
    /// Difference.
    pub fn sub(&self, o: &BigInt) -> BigInt {
        self.add(&o.neg())
    }
    /// Product.
    pub fn mul(&self, o: &BigInt) -> BigInt {
        let mut out = vec![0u64; self.mag.len() + o.mag.len() + 1];
        for (i, &a) in self.mag.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &b) in o.mag.iter().enumerate() {
                let t = u128::from(a) * u128::from(b) + u128::from(out[i + j]) + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
            out[i + o.mag.len()] = carry as u64;
        }
        BigInt {
            neg: self.neg != o.neg,
            mag: out,
        }
        .norm()
    }
    /// Number of digits.
    pub fn digits(&self) -> usize {
        self.mag.len()
    }
    /// Shift left by `n` bits (right when negative), rounding toward minus infinity as `bsr` does.
    pub fn shl(&self, n: i64) -> BigInt {
        if n >= 0 {
            let (words, bits) = ((n / 64) as usize, (n % 64) as u32);
            let mut out = vec![0u64; words];
            let mut carry = 0u64;
            for &d in &self.mag {
                out.push((d << bits) | carry);
                carry = if bits == 0 { 0 } else { d >> (64 - bits) };
            }
            out.push(carry);
            return BigInt {
                neg: self.neg,
                mag: out,
            }
            .norm();
        }
        let n = n.unsigned_abs();
        if self.neg {
            // -((|x| - 1) >> n) - 1
            let m1 = self.neg().sub(&BigInt::from_i128(1));
            return m1.shl(-(n as i64)).neg().sub(&BigInt::from_i128(1));
        }
        let (words, bits) = ((n / 64) as usize, (n % 64) as u32);
        if words >= self.mag.len() {
            return BigInt::default();
        }
        let src = &self.mag[words..];
        let mut out = Vec::with_capacity(src.len());
        for i in 0..src.len() {
            let lo = src[i] >> bits;
            let hi = if bits == 0 {
                0
            } else {
                src.get(i + 1).map_or(0, |d| d << (64 - bits))
            };
            out.push(lo | hi);
        }
        BigInt {
            neg: false,
            mag: out,
        }
        .norm()
    }
    /// Division and remainder by a small positive divisor, truncating toward zero.
    pub fn divrem_small(&self, d: u64) -> (BigInt, u64) {
        let mut out = vec![0u64; self.mag.len()];
        let mut rem = 0u64;
        for i in (0..self.mag.len()).rev() {
            (out[i], rem) = div_wide(rem, self.mag[i], d);
        }
        (
            BigInt {
                neg: self.neg,
                mag: out,
            }
            .norm(),
            rem,
        )
    }
    /// Comparison.
    pub fn compare(&self, o: &BigInt) -> Ordering {
        match (self.neg, o.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => cmp_mag(&self.mag, &o.mag),
            (true, true) => cmp_mag(&o.mag, &self.mag),
        }
    }
    /// Parses digits in `radix` (2–36), underscores allowed between digits.
    pub fn parse(digits: &str, radix: u32) -> Option<BigInt> {
        // Most literals fit 64 bits: read those without a big multiplication per digit (a long loop's statements
        // are read once per iteration, so this is on the scenario reader's hot path). 64, not 128: checked 128-bit
        // multiplication would link compiler-builtins' `__rust_i128_mulo` into the wasm module.
        let mut small: Option<u64> = Some(0);
        let mut any = false;
        for c in digits.chars() {
            if c == '_' {
                continue;
            }
            let d = c.to_digit(radix)?;
            any = true;
            small = small.and_then(|v| v.checked_mul(u64::from(radix))?.checked_add(u64::from(d)));
        }
        if let Some(v) = small {
            return any.then(|| BigInt::from_i128(i128::from(v)));
        }
        let mut acc = BigInt::default();
        let r = BigInt::from_i128(i128::from(radix));
        let mut any = false;
        for c in digits.chars() {
            if c == '_' {
                continue;
            }
            let d = c.to_digit(radix)?;
            acc = acc.mul(&r).add(&BigInt::from_i128(i128::from(d)));
            any = true;
            if acc.mag.len() > MAX_DIGITS {
                return None;
            }
        }
        any.then_some(acc)
    }
    /// Decimal text.
    pub fn to_string_radix(&self, radix: u32) -> String {
        if self.is_zero() {
            return String::from("0");
        }
        let mut digits = Vec::new();
        let mut cur = BigInt {
            neg: false,
            mag: self.mag.clone(),
        };
        while !cur.is_zero() {
            let (q, r) = cur.divrem_small(u64::from(radix));
            digits.push(
                char::from_digit(r as u32, radix)
                    .unwrap_or('?')
                    .to_ascii_uppercase(),
            );
            cur = q;
        }
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        s.extend(digits.iter().rev());
        s
    }
    /// The nearest float.
    pub fn to_f64(&self) -> f64 {
        let mut f = 0.0;
        for &d in self.mag.iter().rev() {
            f = f * 18_446_744_073_709_551_616.0 + d as f64;
        }
        if self.neg {
            -f
        } else {
            f
        }
    }
}

/// `(hi·2^64 + lo) / d` and its remainder, for `hi < d` (so the quotient fits 64 bits), without 128-bit division:
/// that would link compiler-builtins' 128-bit divide (1.1 KB) into the wasm module for this one loop. A divisor of
/// 32 bits (every radix) takes two 64-bit divisions; a larger one (a bignum `div` by a 64-bit number) is long
/// division, a bit at a time.
fn div_wide(hi: u64, lo: u64, d: u64) -> (u64, u64) {
    debug_assert!(hi < d);
    if d <= u64::from(u32::MAX) {
        let upper = (hi << 32) | (lo >> 32);
        let (q1, r1) = (upper / d, upper % d);
        let lower = (r1 << 32) | (lo & u64::from(u32::MAX));
        return ((q1 << 32) | (lower / d), lower % d);
    }
    let (mut q, mut rem) = (0u64, hi);
    for bit in (0..64).rev() {
        // The remainder shifted left may need 65 bits: its top bit out means it is at least 2^64 > d.
        let top = rem >> 63;
        rem = (rem << 1) | ((lo >> bit) & 1);
        q <<= 1;
        if top == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            q |= 1;
        }
    }
    (q, rem)
}

#[cfg(test)]
mod tests {
    use super::div_wide;

    #[test]
    fn div_wide_is_128_bit_division() {
        // Divisors on both sides of 2^32 and at the ends of u64; dividends from a small LCG.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            x
        };
        let divisors = [
            1,
            2,
            10,
            36,
            u64::from(u32::MAX),
            1 << 32,
            (1 << 32) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &d in &divisors {
            for _ in 0..2000 {
                let (hi, lo) = (next() % d, next());
                let n = (u128::from(hi) << 64) | u128::from(lo);
                let want = ((n / u128::from(d)) as u64, (n % u128::from(d)) as u64);
                assert_eq!(div_wide(hi, lo, d), want, "{hi}·2^64 + {lo} by {d}");
            }
        }
        let d = next() | (1 << 40);
        for _ in 0..2000 {
            let (hi, lo) = (next() % d, next());
            let n = (u128::from(hi) << 64) | u128::from(lo);
            assert_eq!(
                div_wide(hi, lo, d),
                ((n / u128::from(d)) as u64, (n % u128::from(d)) as u64)
            );
        }
    }
}
