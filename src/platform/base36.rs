//! The base36 form of an IAM role name that EMR on EKS puts at the end of the
//! service-account names it creates for a job
//! (`emr-containers-sa-<framework>-<component>-<account>-<base36>`).

const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Reads the name's bytes as one big-endian unsigned integer and writes it in
/// base 36 with digits `0-9a-z`, most significant first; an empty name is
/// `"0"`. IAM role names are ASCII (`[\w+=,.@-]`, at most 64 characters), so
/// their UTF-8 bytes are exactly the character codes EMR on EKS encodes.
pub fn encode_role_name(role_name: &str) -> String {
    // The number is up to 512 bits: divide the base-256 digits by 36 again
    // and again, collecting remainders, until nothing is left.
    let mut dividend: Vec<u8> = role_name.bytes().skip_while(|&byte| byte == 0).collect();
    let mut reversed_digits = Vec::new();
    while !dividend.is_empty() {
        let mut quotient = Vec::with_capacity(dividend.len());
        let mut remainder: u32 = 0;
        for &byte in &dividend {
            let current = remainder * 256 + u32::from(byte);
            let digit = (current / 36) as u8;
            remainder = current % 36;
            // No leading zeros in the quotient: it keeps shrinking.
            if digit != 0 || !quotient.is_empty() {
                quotient.push(digit);
            }
        }
        reversed_digits.push(DIGITS[remainder as usize]);
        dividend = quotient;
    }
    if reversed_digits.is_empty() {
        return "0".to_string();
    }
    reversed_digits
        .iter()
        .rev()
        .map(|&b| char::from(b))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values come from the AWS CLI's own implementation
    // (awscli/customizations/emrcontainers/base36.py), run with python3.
    #[test]
    fn matches_the_aws_cli_for_short_names() {
        assert_eq!(encode_role_name("a"), "2p");
        assert_eq!(encode_role_name("0"), "1c");
        assert_eq!(encode_role_name("analytics-exec"), "43txu6lo26m6qljfj4e2qr");
        assert_eq!(
            encode_role_name("emr-job-execution-role"),
            "gn4dr8etzv33epb213crkbqb2pczvni4x1"
        );
    }

    #[test]
    fn matches_the_aws_cli_for_mixed_case_and_punctuation() {
        assert_eq!(
            encode_role_name("EMRContainers-JobExecutionRole"),
            "189nnyj7mn9w2lqiewgg1u0l3jhmo0z69yjkj9u6qhosj8l"
        );
        assert_eq!(
            encode_role_name("role+with=chars,.@_-1"),
            "2n215sd9m21kv1aqjidjzyrc45bhql2cx"
        );
    }

    #[test]
    fn matches_the_aws_cli_for_64_character_names() {
        assert_eq!(
            encode_role_name(&"R".repeat(64)),
            "d3agra7c50t1jnr2ujc5ddodc9msfg5jpc5ey2dcqjgh1zmxqsyqasatehibj6ddhb6012ihxbk4m5ykvticbn4rj6yqoghk76a"
        );
        let name = format!("{}9", "x".repeat(63));
        assert_eq!(
            encode_role_name(&name),
            "j5oz265gvxo29gbj3f4lwr1f4s59462ul9vmr0u2u24sgyl9vbnlsye2myeimsn31mhk8l8mpxljxbcuk82994vk3i3fc31zpdl"
        );
    }

    #[test]
    fn empty_name_is_zero() {
        assert_eq!(encode_role_name(""), "0");
    }

    #[test]
    fn agrees_with_native_arithmetic_on_small_values() {
        // Up to 16 bytes fits in u128: cross-check the long division.
        for name in ["z", "zz", "Role", "0123456789abcdef"] {
            let mut value: u128 = 0;
            for byte in name.bytes() {
                value = value * 256 + u128::from(byte);
            }
            let mut expected = Vec::new();
            while value > 0 {
                expected.push(DIGITS[(value % 36) as usize]);
                value /= 36;
            }
            expected.reverse();
            assert_eq!(
                encode_role_name(name).as_bytes(),
                expected.as_slice(),
                "{name}"
            );
        }
    }
}
