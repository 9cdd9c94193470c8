//! Ingest-time text normalisation: full-width ASCII to half-width, the ideographic
//! space to a space, runs of whitespace to one space. The original text is always
//! stored beside the result (`text_raw`); deeper normalisation (traditional →
//! simplified, emoticons) is kefu-text's job.

/// Folds full-width forms and whitespace so that equal texts compare equal.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_and_space() {
        // Full-width forms fold as NFKC folds them (the colon and question mark too).
        assert_eq!(
            normalize_text("  订单号：１２３ＡＢ\u{3000}\u{3000}到了吗？\n"),
            "订单号:123AB 到了吗?"
        );
        assert_eq!(normalize_text(""), "");
        // The ideographic full stop is outside the full-width ASCII block: kept.
        assert_eq!(normalize_text("好的，谢谢。"), "好的,谢谢。");
    }
}
