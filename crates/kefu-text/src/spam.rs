//! Spam detection for comments and reviews: ads, links, contact swapping,
//! repeated text and gibberish, each with its reason.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// Why a text is spam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpamReason {
    /// `link`, `contact`, `ad`, `repeated` or `gibberish`.
    pub kind: &'static str,
    pub matched: String,
}

static LINK: LazyLock<Regex> = LazyLock::new(|| {
    // ASCII word boundaries keep this on the fast DFA path.
    Regex::new(r"(?i)(https?:[/a-z0-9]\S*|www\.\S+|(?-u:\b)[a-z0-9-]+\.(com|cn|net|top|xyz|vip|cc)(?-u:\b)\S*|t\.cn/\S+)").unwrap()
});
static CONTACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // "加我" is a swap; "联系我" / "找我" alone are a customer asking to be called.
        r"(?i)(加|\+|添加)\s*(我|v|vx|wx|微信|薇信|威信|微|q|qq|扣扣|企鹅|群)",
        r"|(?i)(联系|私聊|找我|咨询)\s*(v|vx|wx|微信|薇信|威信|q|qq|扣扣|企鹅|群)",
        r"|(vx|wx|v信|微信号?|qq号?|扣扣|q群|企鹅号)\s*[:：]?\s*[a-z0-9_-]{5,}",
    ))
    .unwrap()
});
static AD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(代购|代理|招代理|兼职|刷单|日赚|月入|日结|返利|返现|淘口令|免费领|领取优惠|领券|优惠券领取|",
        r"点击链接|扫码|二维码|代开发票|低价出售|批发|招聘|贷款|网赚|彩票|博彩|加盟|微商|复制.{0,6}打开)"
    ))
    .unwrap()
});

/// Chat ads: the review list's work-from-home and gambling words, not the ones a
/// customer asks about (领券, 扫码, 代购 are questions in a chat).
static CHAT_AD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(招代理|兼职|刷单|日赚|月入|日结|网赚|彩票|博彩|贷款|加盟|微商|代开发票|低价出售|",
        r"返利.{0,8}(加|联系)|复制.{0,6}打开)"
    ))
    .unwrap()
});
/// Links a customer pastes to ask about an item or an order.
static PLATFORM_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(taobao\.com|tmall\.com|tb\.cn|jd\.com|3\.cn|douyin\.com|jinritemai\.com|yangkeduo\.com|pinduoduo\.com|1688\.com|kuaishou\.com)").unwrap()
});

/// Spam in a customer chat message (normalised): contact swapping, ads, links
/// off the shopping platforms, repeated text, gibberish. Softer than [`spam`]
/// for reviews: customers paste item links and ask about coupons.
pub fn chat_spam(text: &str) -> Option<SpamReason> {
    if let Some(m) = LINK.find(text)
        && !PLATFORM_LINK.is_match(m.as_str())
    {
        return Some(SpamReason {
            kind: "link",
            matched: m.as_str().to_string(),
        });
    }
    if let Some(m) = CONTACT.find(text) {
        return Some(SpamReason {
            kind: "contact",
            matched: m.as_str().to_string(),
        });
    }
    if let Some(m) = CHAT_AD.find(text) {
        return Some(SpamReason {
            kind: "ad",
            matched: m.as_str().to_string(),
        });
    }
    shape_spam(text)
}

/// Detects spam in normalised `text`.
pub fn spam(text: &str) -> Option<SpamReason> {
    if let Some(m) = LINK.find(text) {
        return Some(SpamReason {
            kind: "link",
            matched: m.as_str().to_string(),
        });
    }
    if let Some(m) = CONTACT.find(text) {
        return Some(SpamReason {
            kind: "contact",
            matched: m.as_str().to_string(),
        });
    }
    if let Some(m) = AD.find(text) {
        return Some(SpamReason {
            kind: "ad",
            matched: m.as_str().to_string(),
        });
    }
    shape_spam(text)
}

/// Spam by its shape alone, shared by reviews and chat: repeated text, gibberish.
fn shape_spam(text: &str) -> Option<SpamReason> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len();
    if n >= 12 {
        // Repeated text: few distinct characters, or one short unit repeated.
        let mut sorted = chars.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let distinct = sorted.len();
        if distinct * 6 <= n {
            return Some(SpamReason {
                kind: "repeated",
                matched: chars.iter().take(12).collect(),
            });
        }
        for unit in 2..=n / 3 {
            if chars
                .chunks(unit)
                .filter(|ch| ch.len() == unit)
                .all(|ch| ch == &chars[..unit])
            {
                return Some(SpamReason {
                    kind: "repeated",
                    matched: chars[..unit].iter().collect(),
                });
            }
            if unit > 20 {
                break;
            }
        }
    }
    let han = chars
        .iter()
        .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        .count();
    // Mostly-Han text is not gibberish by these tests: skip the per-char scans.
    if n >= 8 && han * 2 < n {
        // Gibberish: mostly Latin letters with almost no vowels, or random symbols.
        let letters: Vec<char> = chars
            .iter()
            .filter(|c| c.is_ascii_alphabetic())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let vowels = letters.iter().filter(|c| "aeiou".contains(**c)).count();
        let symbols = chars.iter().filter(|c| !c.is_alphanumeric()).count();
        if han == 0 && letters.len() >= 8 && vowels * 8 < letters.len() {
            return Some(SpamReason {
                kind: "gibberish",
                matched: chars.iter().take(16).collect(),
            });
        }
        if symbols * 10 >= n * 7 {
            return Some(SpamReason {
                kind: "gibberish",
                matched: chars.iter().take(16).collect(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(t: &str) -> Option<&'static str> {
        spam(t).map(|r| r.kind)
    }

    #[test]
    fn spam_kinds() {
        assert_eq!(kind("好货分享 http://t.cn/abc123"), Some("link"));
        assert_eq!(kind("便宜货加微信abc12345"), Some("contact"));
        assert_eq!(kind("加vx: shop8888 有优惠"), Some("contact"));
        // Asking to be called back is not contact swapping.
        assert_eq!(kind("包裹破损，联系我13812345678"), None);
        assert_eq!(kind("客服联系我了，很满意"), None);
        assert_eq!(kind("有问题私聊vx: shop8888"), Some("contact"));
        assert_eq!(kind("兼职刷单日赚三百"), Some("ad"));
        assert_eq!(kind("好好好好好好好好好好好好好好"), Some("repeated"));
        assert_eq!(kind("好评好评好评好评好评好评好评"), Some("repeated"));
        assert_eq!(kind("sdfghjklqwrtzxcvb"), Some("gibberish"));
    }

    #[test]
    fn chat_spam_spares_customers_questions() {
        let kind = |t: &str| chat_spam(t).map(|r| r.kind);
        for t in [
            "https://item.taobao.com/item.htm?id=12345 这个有货吗",
            "怎么领券",
            "扫码付款可以吗",
            "你们是代购吗",
            "电话13812345678，快递到了打给我",
        ] {
            assert_eq!(kind(t), None, "{t}");
        }
        assert_eq!(kind("加微信abc12345返现"), Some("contact"));
        assert_eq!(kind("兼职刷单日结，有意私聊"), Some("ad"));
        assert_eq!(kind("好东西看这里 http://t.cn/abc123"), Some("link"));
        assert_eq!(kind("哈哈哈哈哈哈哈哈哈哈哈哈哈哈"), Some("repeated"));
    }

    #[test]
    fn normal_reviews_are_not_spam() {
        for t in [
            "质量很好，物流也快，下次还来",
            "衣服有色差，客服态度也一般，不太满意",
            "非常好非常好，推荐购买",
            "iPhone 13 pro max 很流畅",
        ] {
            assert_eq!(kind(t), None, "{t}");
        }
    }
}
