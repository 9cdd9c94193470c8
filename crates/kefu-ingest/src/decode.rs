//! Text encodings of exports: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's
//! "Unicode text"), and GBK/GB18030 (what Excel in China writes), detected from the
//! first bytes. Non-BOM files are decoded field by field so that one row with broken
//! bytes is quarantined instead of silently turned into U+FFFD.

use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};
use std::io::{self, Read};

/// How the bytes of a file become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// A byte-order mark: the stream is transcoded as a whole (BOM removed).
    Bom(&'static Encoding),
    /// No BOM: fields are decoded one by one with this encoding.
    Plain(&'static Encoding),
}

impl Detected {
    pub fn name(self) -> &'static str {
        match self {
            Detected::Bom(e) | Detected::Plain(e) => e.name(),
        }
    }
}

/// Guesses the encoding of a file from its first bytes.
///
/// Valid UTF-8 wins (a cut multi-byte sequence at the end of the sample is allowed);
/// otherwise chardetng guesses with a Chinese top-level-domain hint, and any Chinese
/// guess is widened to GB18030, the superset of GBK and GB2312.
pub fn detect(prefix: &[u8]) -> Detected {
    if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Detected::Bom(UTF_8);
    }
    if prefix.starts_with(&[0xFF, 0xFE]) {
        return Detected::Bom(UTF_16LE);
    }
    if prefix.starts_with(&[0xFE, 0xFF]) {
        return Detected::Bom(UTF_16BE);
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => return Detected::Plain(UTF_8),
        Err(e) if e.error_len().is_none() => return Detected::Plain(UTF_8),
        Err(_) => {}
    }
    // Chinese exports first: bytes that decode strictly as GB18030 (allowing a
    // sequence cut at the end of the sample) are GB18030. Western single-byte text
    // rarely passes, because GB18030 lead bytes need specific trail bytes.
    if (0..4).any(|cut| {
        prefix.len() >= cut
            && GB18030
                .decode_without_bom_handling_and_without_replacement(&prefix[..prefix.len() - cut])
                .is_some()
    }) {
        return Detected::Plain(GB18030);
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(prefix, false);
    let guess = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    // GBK is widened to GB18030 (its superset); anything else (a Western code page,
    // Big5 ...) is still decoded strictly, so rows invalid in it are quarantined.
    if guess == encoding_rs::GBK || guess == GB18030 {
        Detected::Plain(GB18030)
    } else {
        Detected::Plain(guess)
    }
}

/// Decodes one field strictly; `None` when the bytes are not valid in `enc`.
pub fn decode_field(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    if enc == UTF_8 {
        return std::str::from_utf8(bytes).ok().map(str::to_string);
    }
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

/// Decodes lossily, for showing a broken row in quarantine.
pub fn decode_lossy(enc: &'static Encoding, bytes: &[u8]) -> String {
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// Reads up to `n` bytes from the start of a reader.
pub fn read_prefix(r: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_boms_utf8_and_gbk() {
        assert_eq!(detect(b"\xEF\xBB\xBFa,b"), Detected::Bom(UTF_8));
        assert_eq!(detect(b"\xFF\xFEa\0"), Detected::Bom(UTF_16LE));
        assert_eq!(
            detect("会话ID,消息内容\n".as_bytes()),
            Detected::Plain(UTF_8)
        );
        let (gbk, _, _) = GB18030.encode("会话ID,发送时间,发送方,客服昵称,消息内容\n1,2026-11-11 10:00:00,买家,,你好，我的快递怎么还没到\n");
        assert_eq!(detect(&gbk), Detected::Plain(GB18030));
    }

    #[test]
    fn a_cut_utf8_sequence_at_the_end_is_still_utf8() {
        let s = "快递".as_bytes();
        assert_eq!(detect(&s[..4]), Detected::Plain(UTF_8));
    }

    #[test]
    fn strict_field_decoding_refuses_broken_bytes() {
        assert_eq!(decode_field(UTF_8, b"ok"), Some("ok".into()));
        assert_eq!(decode_field(UTF_8, b"\xff\xfe bad"), None);
        let (gbk, _, _) = GB18030.encode("退款");
        assert_eq!(decode_field(GB18030, &gbk).as_deref(), Some("退款"));
        assert_eq!(decode_field(GB18030, b"\x81"), None);
    }
}
