//! Text normalisation: the one canonical form that every model and rule sees.
//!
//! Customers type full-width digits, traditional characters, emoji and platform
//! emoticon codes (`[微笑]`), and `！！！！`. Normalising once means the models
//! and seed words need only one spelling. The original is always kept by the
//! caller; [`Normalized`] carries both.

use serde::Serialize;
use zhconv::{Variant, get_builtin_converter};

/// A normalised text together with its original and the emoticons found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Normalized {
    /// The input, unchanged.
    pub original: String,
    /// Half-width, simplified, emoji mapped to codes, repeated punctuation collapsed.
    pub text: String,
    /// Emoticon codes present (`[微笑]`), emoji included after mapping.
    pub emoticons: Vec<String>,
}

/// Emoji → platform emoticon code, so both spellings reach the models as one token.
const EMOJI: &[(char, &str)] = &[
    ('😀', "[大笑]"),
    ('😁', "[呲牙]"),
    ('😂', "[笑哭]"),
    ('🤣', "[笑哭]"),
    ('😃', "[大笑]"),
    ('😄', "[大笑]"),
    ('😊', "[微笑]"),
    ('🙂', "[微笑]"),
    ('😍', "[色]"),
    ('🥰', "[爱心]"),
    ('😘', "[亲亲]"),
    ('👍', "[赞]"),
    ('👏', "[鼓掌]"),
    ('❤', "[爱心]"),
    ('💕', "[爱心]"),
    ('🌹', "[玫瑰]"),
    ('🎉', "[庆祝]"),
    ('🙏', "[抱拳]"),
    ('😭', "[大哭]"),
    ('😢', "[流泪]"),
    ('😞', "[失望]"),
    ('😔', "[失望]"),
    ('😒', "[白眼]"),
    ('🙄', "[白眼]"),
    ('😤', "[生气]"),
    ('😠', "[生气]"),
    ('😡', "[怒]"),
    ('🤬', "[怒]"),
    ('👎', "[踩]"),
    ('💩', "[便便]"),
    ('🤮', "[吐]"),
    ('😓', "[汗]"),
    ('😅', "[汗]"),
    ('🤔', "[疑问]"),
    ('😱', "[惊恐]"),
    ('💔', "[心碎]"),
];

/// Sentiment valence of common emoticon codes (Taobao/WeChat/Weibo), in logit units.
/// Used to nudge the sentiment model, whose training reviews rarely contain them.
pub(crate) const EMOTICON_VALENCE: &[(&str, f32)] = &[
    ("[微笑]", 0.3),
    ("[大笑]", 1.0),
    ("[呲牙]", 0.8),
    ("[偷笑]", 0.5),
    ("[色]", 1.0),
    ("[爱心]", 1.2),
    ("[亲亲]", 1.0),
    ("[赞]", 1.5),
    ("[强]", 1.5),
    ("[鼓掌]", 1.0),
    ("[玫瑰]", 1.0),
    ("[庆祝]", 1.0),
    ("[抱拳]", 0.5),
    ("[好的]", 0.8),
    ("[笑哭]", 0.0),
    ("[大哭]", -1.2),
    ("[流泪]", -1.0),
    ("[失望]", -1.5),
    ("[白眼]", -1.2),
    ("[生气]", -1.8),
    ("[怒]", -2.0),
    ("[发怒]", -2.0),
    ("[踩]", -1.8),
    ("[弱]", -1.5),
    ("[便便]", -1.5),
    ("[吐]", -1.8),
    ("[汗]", -0.5),
    ("[惊恐]", -0.8),
    ("[心碎]", -1.5),
    ("[委屈]", -1.2),
    ("[抓狂]", -1.8),
    ("[衰]", -1.0),
    ("[鄙视]", -1.8),
];

/// Punctuation whose runs collapse; `*` is left alone so masks (`138****5678`)
/// keep their shape.
fn is_punct(c: char) -> bool {
    (c.is_ascii_punctuation() && c != '*')
        || matches!(
            c,
            '。' | '、'
                | '…'
                | '～'
                | '·'
                | '—'
                | '「'
                | '」'
                | '『'
                | '』'
                | '《'
                | '》'
                | '【'
                | '】'
        )
}

/// Full-width ASCII variants and the ideographic space to their half-width forms.
#[inline]
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// True when the text could contain traditional characters (any CJK ideograph);
/// lets pure ASCII skip the converter.
fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

/// Traditional → simplified Chinese (OpenCC tables).
pub fn to_simplified(s: &str) -> String {
    if !has_han(s) {
        return s.to_string();
    }
    get_builtin_converter(Variant::ZhHans).convert(s)
}

/// Normalises `text`; see the module docs for what changes.
pub fn normalize(text: &str) -> Normalized {
    let simplified = to_simplified(text);
    let mut out = String::with_capacity(simplified.len());
    let mut emoticons = Vec::new();
    let mut prev: Option<char> = None;
    let chars: Vec<char> = simplified.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = half_width(chars[i]);
        i += 1;
        if c == '\u{FE0F}' || c == '\u{200D}' {
            continue; // emoji variation selector / joiner
        }
        if let Some((_, code)) = EMOJI.iter().find(|(e, _)| *e == c) {
            out.push_str(code);
            emoticons.push((*code).to_string());
            prev = None;
            continue;
        }
        if c == '[' {
            // Platform code: `[微笑]`, 1–4 Han characters in brackets.
            let mut j = i;
            while j < chars.len() && j - i < 5 && chars[j] != ']' {
                j += 1;
            }
            if j < chars.len() && chars[j] == ']' && j > i {
                let inner: String = chars[i..j].iter().collect();
                if inner
                    .chars()
                    .all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
                {
                    let code = format!("[{inner}]");
                    out.push_str(&code);
                    emoticons.push(code);
                    i = j + 1;
                    prev = None;
                    continue;
                }
            }
        }
        if c.is_whitespace() {
            if prev != Some(' ') && !out.is_empty() {
                out.push(' ');
            }
            prev = Some(' ');
            continue;
        }
        if is_punct(c) && prev == Some(c) {
            continue; // collapse `！！！` and `。。。。` to one mark
        }
        out.push(c);
        prev = Some(c);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    Normalized {
        original: text.to_string(),
        text: out,
        emoticons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_traditional_and_punctuation() {
        let n = normalize("這個ＡＢＣ１２３質量太差了！！！！");
        assert_eq!(n.text, "这个ABC123质量太差了!");
        assert_eq!(n.original, "這個ＡＢＣ１２３質量太差了！！！！");
    }

    #[test]
    fn emoji_and_codes() {
        let n = normalize("好评👍 [微笑] [not code]");
        assert_eq!(n.text, "好评[赞] [微笑] [not code]");
        assert_eq!(n.emoticons, vec!["[赞]", "[微笑]"]);
    }
}
