//! `Number`: cty's arbitrary-precision number, kept as exact decimal text.
//!
//! Terraform compares a number the provider returns with the one it sent
//! digit for digit (as big floats), so a number must come back exactly as it
//! came in. Holding the canonical decimal text (no exponent, no leading or
//! trailing zeros) keeps every value exact, makes equality numeric equality,
//! and needs no big-number arithmetic. Infinities (which cty has but JSON and
//! our schemas do not) are not represented.

use std::fmt;
use std::str::FromStr;

/// Longest canonical text accepted, so "1e999999999" cannot make us allocate
/// a gigabyte of zeros. Terraform's numbers carry 512 bits (~155 digits) of
/// precision; 4096 characters leave ample room for their magnitude too.
const MAX_TEXT: usize = 4096;

/// An exact decimal number. Equality and hashing are numeric.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// Parses a decimal: optional sign, digits with an optional fraction, and
    /// an optional exponent ("12", "-0.5", "1.5e3", ".5"). No hex, no "Inf".
    pub fn parse(text: &str) -> Result<Number, String> {
        let invalid = || format!("{text:?} is not a decimal number");
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let int_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &bytes[int_start..i];
        let mut frac_digits: &[u8] = &[];
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let frac_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &bytes[frac_start..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(invalid());
        }
        let mut exponent: i64 = 0;
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            i += 1;
            let exp_negative = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let exp_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                // Saturate: any exponent this large fails the length check
                // below unless the mantissa is zero.
                exponent = (exponent * 10 + i64::from(bytes[i] - b'0')).min(1 << 40);
                i += 1;
            }
            if i == exp_start {
                return Err(invalid());
            }
            if exp_negative {
                exponent = -exponent;
            }
        }
        if i != bytes.len() {
            return Err(invalid());
        }

        // All significant digits in order; the decimal point sits `point`
        // digits from the left of them (it may be negative or past the end).
        let mut digits: Vec<u8> = int_digits.iter().chain(frac_digits).copied().collect();
        let mut point = int_digits.len() as i64 + exponent;
        let leading = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..leading);
        point -= leading as i64;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            return Ok(Number("0".to_string()));
        }
        let len = digits.len() as i64;
        let width = point.max(len) - point.min(0) + 3;
        if width > MAX_TEXT as i64 {
            return Err(format!(
                "{:?} has too many digits (more than {MAX_TEXT})",
                truncate(text)
            ));
        }
        let mut out = String::with_capacity(width as usize);
        if negative {
            out.push('-');
        }
        let digits = String::from_utf8_lossy(&digits);
        if point >= len {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', (point - len) as usize));
        } else if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            out.push_str(&digits);
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            out.push_str(whole);
            out.push('.');
            out.push_str(fraction);
        }
        Ok(Number(out))
    }

    /// The exact value of a finite float (all its binary digits, e.g.
    /// 0.1 → 0.1000000000000000055511151231257827021181583404541015625);
    /// `None` for NaN and infinities. A float Terraform sent comes back as
    /// the same float this way. For a decimal the user wrote, keep the text
    /// (`Number::parse`) instead of going through `f64`.
    pub fn from_f64(value: f64) -> Option<Number> {
        if !value.is_finite() {
            return None;
        }
        let text = format!("{:.*}", fraction_digits(value), value);
        Number::parse(&text).ok()
    }

    /// The canonical decimal text, e.g. "-12.5", "0.001", "100".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_integer(&self) -> bool {
        !self.0.contains('.')
    }

    pub fn to_i64(&self) -> Option<i64> {
        self.integer_text()?.parse().ok()
    }

    pub fn to_u64(&self) -> Option<u64> {
        self.integer_text()?.parse().ok()
    }

    pub fn to_i32(&self) -> Option<i32> {
        self.to_i64()?.try_into().ok()
    }

    pub fn to_i128(&self) -> Option<i128> {
        self.integer_text()?.parse().ok()
    }

    pub fn to_u128(&self) -> Option<u128> {
        self.integer_text()?.parse().ok()
    }

    /// The nearest float (infinite beyond `f64::MAX`).
    pub fn to_f64(&self) -> f64 {
        // The canonical text is always a valid float literal.
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// The float whose exact value this is, if one is; integers do not
    /// count (msgpack sends them as integers or, past i64, as text).
    pub(crate) fn exact_fraction_f64(&self) -> Option<f64> {
        let fraction_len = self.0.split_once('.')?.1.len();
        let value = self.to_f64();
        if !value.is_finite() || fraction_digits(value) != fraction_len {
            return None;
        }
        (Number::from_f64(value)?.0 == self.0).then_some(value)
    }

    fn integer_text(&self) -> Option<&str> {
        self.is_integer().then_some(self.0.as_str())
    }
}

/// How many decimal fraction digits the exact value of `value` has: as many
/// as its binary fraction digits, since 2^-k = 5^k / 10^k.
fn fraction_digits(value: f64) -> usize {
    if value == 0.0 {
        return 0;
    }
    let bits = value.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    let exponent = exponent + i64::from(mantissa.trailing_zeros());
    (-exponent).max(0) as usize
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

impl FromStr for Number {
    type Err = String;
    fn from_str(text: &str) -> Result<Number, String> {
        Number::parse(text)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.0)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(value: $t) -> Number {
                Number(value.to_string())
            }
        }
    )*};
}
from_integer!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl TryFrom<f64> for Number {
    type Error = String;
    fn try_from(value: f64) -> Result<Number, String> {
        Number::from_f64(value).ok_or_else(|| format!("{value} is not a finite number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text() {
        for (input, canonical) in [
            ("0", "0"),
            ("-0", "0"),
            ("+7", "7"),
            ("007.700", "7.7"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1.5e3", "1500"),
            ("1.5E-3", "0.0015"),
            ("-12e-1", "-1.2"),
            ("0.000e99999999999", "0"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
        ] {
            assert_eq!(Number::parse(input).unwrap().as_str(), canonical, "{input}");
        }
        for bad in [
            "", "-", ".", "1e", "1e+", "0x10", "Inf", "NaN", "1.2.3", " 1", "1e99999",
        ] {
            assert!(Number::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn integer_conversions_are_checked() {
        let big = Number::parse("9999999999999999999999").unwrap();
        assert_eq!(big.to_i64(), None);
        assert_eq!(big.to_u64(), None);
        assert_eq!(Number::from(u64::MAX).to_u64(), Some(u64::MAX));
        assert_eq!(Number::from(u64::MAX).to_i64(), None);
        assert_eq!(Number::from(i64::MIN).to_i64(), Some(i64::MIN));
        assert_eq!(Number::parse("9999999999").unwrap().to_i32(), None);
        assert_eq!(Number::parse("7.5").unwrap().to_i64(), None);
        assert_eq!(Number::parse("-3").unwrap().to_u64(), None);
        assert_eq!(Number::parse("7.7").unwrap().to_f64(), 7.7);
    }

    #[test]
    fn floats_are_exact() {
        assert_eq!(Number::from_f64(0.5).unwrap().as_str(), "0.5");
        assert_eq!(
            Number::from_f64(0.1).unwrap().as_str(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(Number::from_f64(-2.0).unwrap().as_str(), "-2");
        assert_eq!(Number::from_f64(1e300).unwrap().to_f64(), 1e300);
        assert_eq!(
            Number::from_f64(f64::MIN_POSITIVE / 4.0).unwrap().to_f64(),
            f64::MIN_POSITIVE / 4.0
        );
        assert!(Number::from_f64(f64::NAN).is_none());
        assert!(Number::from_f64(f64::INFINITY).is_none());
    }

    #[test]
    fn exactly_a_float_or_not() {
        assert_eq!(
            Number::parse("0.25").unwrap().exact_fraction_f64(),
            Some(0.25)
        );
        assert_eq!(Number::parse("0.1").unwrap().exact_fraction_f64(), None);
        assert_eq!(Number::parse("2").unwrap().exact_fraction_f64(), None);
        let tiny = Number::from_f64(2f64.powi(-60)).unwrap();
        assert_eq!(tiny.exact_fraction_f64(), Some(2f64.powi(-60)));
    }
}
