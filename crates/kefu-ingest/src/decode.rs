//! Text encodings of exports: UTF-8 (with or without BOM), UTF-16 with or without BOM
//! (Excel's "Unicode text"), and GBK/GB18030 (what Excel in China writes).
//!
//! Files with a byte-order mark, and UTF-16 recognised by its NUL bytes, are
//! transcoded as a stream. Every other file is decoded row by row ([`decode_row`]):
//! a row that is valid UTF-8 is UTF-8, otherwise it is decoded strictly in the
//! file's other encoding (GB18030 unless the sample says otherwise), so a GBK file
//! with one UTF-8 row, or a UTF-8 file with one GBK row, loads every row right, and
//! a row valid in neither is quarantined with its bytes shown escaped (`\xNN`),
//! never turned into U+FFFD.

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};
use std::fmt::Write as _;
use std::io::{self, BufRead, Read};

/// How the bytes of a file become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// A byte-order mark: the stream is transcoded as a whole (BOM removed).
    Bom(&'static Encoding),
    /// UTF-16 without a byte-order mark, told by its NUL bytes: transcoded as a
    /// stream like a BOM file.
    Utf16NoBom(&'static Encoding),
    /// No BOM: rows are decoded one by one, as UTF-8 where they are valid UTF-8 and
    /// strictly in this encoding otherwise (see [`Detected::fallback`]).
    Plain(&'static Encoding),
}

impl Detected {
    pub fn name(self) -> &'static str {
        match self {
            Detected::Bom(e) | Detected::Plain(e) => e.name(),
            Detected::Utf16NoBom(e) if e == UTF_16BE => "UTF-16BE (no BOM)",
            Detected::Utf16NoBom(_) => "UTF-16LE (no BOM)",
        }
    }

    /// The encoding a stream is transcoded from, for BOM and UTF-16 files.
    pub fn stream(self) -> Option<&'static Encoding> {
        match self {
            Detected::Bom(e) | Detected::Utf16NoBom(e) => Some(e),
            Detected::Plain(_) => None,
        }
    }

    /// The encoding of rows of a plain file that are not valid UTF-8: GB18030 when
    /// the sample was UTF-8 or Chinese, else the sample's guess.
    pub fn fallback(self) -> &'static Encoding {
        match self {
            Detected::Plain(e) if e != UTF_8 => e,
            _ => GB18030,
        }
    }
}

/// UTF-16 without a byte-order mark: text of mostly ASCII code units has a NUL in
/// every other byte (odd positions for little-endian, even for big-endian). UTF-8
/// and GB18030 text never contains NUL, so a fifth of the units with a NUL on one
/// side and almost none on the other is UTF-16.
fn utf16_without_bom(prefix: &[u8]) -> Option<&'static Encoding> {
    let units = prefix.len() / 2;
    if units < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in prefix.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let clear = |many: usize, few: usize| many * 5 >= units && few * 10 <= many;
    if clear(odd, even) {
        Some(UTF_16LE)
    } else if clear(even, odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Guesses the encoding of a file from its first bytes.
///
/// A BOM decides; then UTF-16 by its NUL bytes; then valid UTF-8 (a cut multi-byte
/// sequence at the end of the sample is allowed); otherwise bytes that decode
/// strictly as GB18030 are GB18030, and chardetng guesses the rest with a Chinese
/// top-level-domain hint (a Chinese guess widened to GB18030, the superset of GBK and
/// GB2312). For a plain file this is only the file's fallback: each row is still
/// taken as UTF-8 where it is valid UTF-8.
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
    if let Some(e) = utf16_without_bom(prefix) {
        return Detected::Utf16NoBom(e);
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

/// Which encoding a row was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowEncoding {
    /// Pure ASCII: the same in either.
    Ascii,
    Utf8,
    Fallback,
    /// Some fields UTF-8, the others in the fallback encoding.
    Mixed,
}

/// Decodes the fields of one row of a plain (no BOM) file: all as UTF-8 when every
/// field is valid UTF-8 (pure ASCII is both), else all strictly in `fallback`, else
/// field by field (UTF-8 where valid, `fallback` otherwise, for a row pasted together
/// from two sources). `None` when some field is valid in neither: the row is broken.
///
/// The whole row is tried first because a short GBK field can happen to be valid
/// UTF-8 (GBK 摹 is the bytes of UTF-8 ġ), a whole row of Chinese text almost never.
pub fn decode_row(
    fallback: &'static Encoding,
    fields: &[&[u8]],
) -> Option<(Vec<String>, RowEncoding)> {
    if fields.iter().all(|f| f.is_ascii()) {
        let v = fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        return Some((v, RowEncoding::Ascii));
    }
    if let Some(v) = fields
        .iter()
        .map(|f| std::str::from_utf8(f).ok().map(str::to_string))
        .collect::<Option<Vec<_>>>()
    {
        return Some((v, RowEncoding::Utf8));
    }
    if fallback != UTF_8
        && let Some(v) = fields
            .iter()
            .map(|f| decode_field(fallback, f))
            .collect::<Option<Vec<_>>>()
    {
        return Some((v, RowEncoding::Fallback));
    }
    let v = fields
        .iter()
        .map(|f| match std::str::from_utf8(f) {
            Ok(s) => Some(s.to_string()),
            Err(_) => decode_field(fallback, f),
        })
        .collect::<Option<Vec<_>>>()?;
    Some((v, RowEncoding::Mixed))
}

/// The encodings a plain file's rows were read in, for the file summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowEncodings {
    utf8: u64,
    fallback: u64,
}

impl RowEncodings {
    pub fn add(&mut self, e: RowEncoding) {
        match e {
            RowEncoding::Ascii => {}
            RowEncoding::Utf8 => self.utf8 += 1,
            RowEncoding::Fallback => self.fallback += 1,
            RowEncoding::Mixed => {
                self.utf8 += 1;
                self.fallback += 1;
            }
        }
    }

    /// "UTF-8", the fallback's name ("gb18030"), or both ("UTF-8+gb18030").
    pub fn name(&self, fallback: &'static Encoding) -> String {
        match (self.utf8, self.fallback) {
            (_, 0) => UTF_8.name().to_string(),
            (0, _) => fallback.name().to_string(),
            _ => format!("{}+{}", UTF_8.name(), fallback.name()),
        }
    }
}

/// Decodes `bytes` in `enc`, writing each malformed byte as `\xNN` instead of
/// U+FFFD. Returns the text and the number of malformed bytes.
pub fn decode_escaped(enc: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let mut dec = enc.new_decoder_without_bom_handling();
    let mut out = String::new();
    let mut pos = 0usize;
    let mut bad_bytes = 0usize;
    loop {
        let need = dec
            .max_utf8_buffer_length_without_replacement(bytes.len() - pos)
            .unwrap_or(bytes.len() * 3 + 16);
        out.reserve(need.max(16));
        let (res, read) = dec.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match res {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => continue,
            DecoderResult::Malformed(bad, extra) => {
                let end = pos.saturating_sub(extra as usize);
                let start = end.saturating_sub(bad as usize);
                for b in &bytes[start..end] {
                    let _ = write!(out, "\\x{b:02X}");
                }
                bad_bytes += usize::from(bad);
            }
        }
    }
    (out, bad_bytes)
}

/// A broken field for quarantine: in UTF-8 or `fallback`, whichever leaves fewer
/// bytes malformed (UTF-8 on a tie), malformed bytes as `\xNN`.
pub fn escape_field(fallback: &'static Encoding, bytes: &[u8]) -> String {
    let (u, u_bad) = decode_escaped(UTF_8, bytes);
    if u_bad == 0 || fallback == UTF_8 {
        return u;
    }
    let (f, f_bad) = decode_escaped(fallback, bytes);
    if f_bad < u_bad { f } else { u }
}

/// Reads up to `n` bytes from the start of a reader.
pub fn read_prefix(r: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Reads one line (through `\n`, kept) into `buf`, keeping at most `max` bytes of it
/// and skipping the rest. Returns the bytes consumed (0 at the end) and whether the
/// line was longer than `max`.
pub fn read_line_capped(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<(u64, bool)> {
    buf.clear();
    let mut consumed = 0u64;
    let mut over = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok((consumed, over));
        }
        let (take, done) = match memchr_newline(avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let room = max.saturating_sub(buf.len());
        if take > room {
            over = true;
        }
        buf.extend_from_slice(&avail[..take.min(room)]);
        r.consume(take);
        consumed += take as u64;
        if done {
            return Ok((consumed, over));
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        GB18030.encode(s).0.into_owned()
    }

    #[test]
    fn detects_boms_utf8_and_gbk() {
        assert_eq!(detect(b"\xEF\xBB\xBFa,b"), Detected::Bom(UTF_8));
        assert_eq!(detect(b"\xFF\xFEa\0"), Detected::Bom(UTF_16LE));
        assert_eq!(
            detect("会话ID,消息内容\n".as_bytes()),
            Detected::Plain(UTF_8)
        );
        let g = gbk(
            "会话ID,发送时间,发送方,客服昵称,消息内容\n1,2026-11-11 10:00:00,买家,,你好，我的快递怎么还没到\n",
        );
        assert_eq!(detect(&g), Detected::Plain(GB18030));
    }

    #[test]
    fn utf16_without_bom_is_told_by_its_nul_bytes() {
        let text = "message_id,ts,sender,text\nm1,2026-11-11 09:00:00,customer,发票怎么开\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(detect(&le), Detected::Utf16NoBom(UTF_16LE));
        assert_eq!(detect(&be), Detected::Utf16NoBom(UTF_16BE));
        // Chinese UTF-16 still has NULs in its ASCII delimiters and digits.
        let zh = "会话,时间,内容\n会话一,2026,你好\n";
        let le: Vec<u8> = zh.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(detect(&le), Detected::Utf16NoBom(UTF_16LE));
        // No NULs: not UTF-16.
        assert_eq!(detect(b"a,b\n1,2\n"), Detected::Plain(UTF_8));
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
        let g = gbk("退款");
        assert_eq!(decode_field(GB18030, &g).as_deref(), Some("退款"));
        assert_eq!(decode_field(GB18030, b"\x81"), None);
    }

    #[test]
    fn rows_are_utf8_where_valid_and_gb18030_otherwise() {
        let g = gbk("我的快递怎么还没到");
        let u = "亲，已经在派送了".as_bytes();
        let (v, e) = decode_row(GB18030, &[b"c1", u]).unwrap();
        assert_eq!((v[1].as_str(), e), ("亲，已经在派送了", RowEncoding::Utf8));
        let (v, e) = decode_row(GB18030, &[b"c1", &g]).unwrap();
        assert_eq!(
            (v[1].as_str(), e),
            ("我的快递怎么还没到", RowEncoding::Fallback)
        );
        // One field of each (UTF-8 "€" is not valid GB18030 here).
        let (v, e) = decode_row(GB18030, &["€5".as_bytes(), &g]).unwrap();
        assert_eq!(
            (v[0].as_str(), v[1].as_str(), e),
            ("€5", "我的快递怎么还没到", RowEncoding::Mixed)
        );
        assert_eq!(decode_row(GB18030, &[b"c1", b"\x81\x20"]), None);
        assert_eq!(
            decode_row(GB18030, &[b"a", b"b"]).unwrap().1,
            RowEncoding::Ascii
        );
    }

    #[test]
    fn broken_bytes_are_shown_escaped() {
        let (s, bad) = decode_escaped(UTF_8, b"ok \xff\xfe end");
        assert_eq!((s.as_str(), bad), ("ok \\xFF\\xFE end", 2));
        let mut g = gbk("退款");
        g.extend(b"\x81\x20");
        assert_eq!(escape_field(GB18030, &g), "退款\\x81 ");
        assert!(!escape_field(GB18030, b"\xff\x80\x81").contains('\u{fffd}'));
    }

    #[test]
    fn capped_lines_skip_what_is_over() {
        let mut r = io::BufReader::with_capacity(4, &b"abcdefgh\nij\n"[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf, 5).unwrap(), (9, true));
        assert_eq!(buf, b"abcde");
        assert_eq!(read_line_capped(&mut r, &mut buf, 5).unwrap(), (3, false));
        assert_eq!(buf, b"ij\n");
        assert_eq!(read_line_capped(&mut r, &mut buf, 5).unwrap(), (0, false));
    }
}
