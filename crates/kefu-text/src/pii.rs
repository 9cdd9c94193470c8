//! PII detection and masking (PIPL): mobile and landline numbers, ID card numbers
//! (checksum), bank cards (Luhn), e-mail and street addresses.
//!
//! Numbers are found as digit runs that may contain single spaces or hyphens and
//! full-width digits, then classified by length, prefix, checksum and the words just
//! before them, so an order or tracking number (`订单号…`, `SF…`) is kept. Masks keep
//! enough to stay useful: `138****5678`, `6222********1234`, `1101**********123X`.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::normalize::half_width;

/// Kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Mobile,
    Landline,
    IdCard,
    BankCard,
    Email,
    Address,
}

impl PiiKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            PiiKind::Mobile => "mobile",
            PiiKind::Landline => "landline",
            PiiKind::IdCard => "id_card",
            PiiKind::BankCard => "bank_card",
            PiiKind::Email => "email",
            PiiKind::Address => "address",
        }
    }

    pub const ALL: [PiiKind; 6] = [
        PiiKind::Mobile,
        PiiKind::Landline,
        PiiKind::IdCard,
        PiiKind::BankCard,
        PiiKind::Email,
        PiiKind::Address,
    ];
}

/// One detected item; `start..end` are char (not byte) offsets in the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PiiMatch {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
    /// The matched original text.
    pub text: String,
}

/// Words right before a number that mean "this is not personal data".
const KEEP_CONTEXT: &[&str] = &[
    "订单",
    "单号",
    "发票号",
    "发票代码",
    "运单",
    "快递单",
    "物流单",
    "工单",
    "编号",
    "流水号",
    "交易号",
    "货号",
    "型号",
    "批号",
    "序列号",
    "sn",
    "order",
    "no.",
    "imei",
    "条码",
    "券码",
    "兑换码",
    "验证码",
];
/// Words right before a number that make a landline or card likely.
const PHONE_CONTEXT: &[&str] = &["电话", "座机", "手机", "tel", "联系", "打", "致电", "号码"];
const CARD_CONTEXT: &[&str] = &[
    "卡号",
    "银行卡",
    "账号",
    "帐号",
    "储蓄卡",
    "信用卡",
    "银行",
    "卡",
];
const ID_CONTEXT: &[&str] = &["身份证", "证件号", "身份号"];

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

/// A run of digits with optional single separators between groups.
struct Run {
    start: usize,
    end: usize,
    digits: String,
    has_paren_area: bool,
    /// Digits after the last separator (an extension such as `-8021`).
    last_group: usize,
}

fn luhn(d: &str) -> bool {
    let mut sum = 0;
    for (i, c) in d.bytes().rev().enumerate() {
        let mut v = (c - b'0') as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// GB 11643 checksum and a plausible birth date.
pub fn valid_id_card(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let s: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(c, w)| (c - b'0') as u32 * w)
        .sum();
    if C[(s % 11) as usize] != b[17].to_ascii_uppercase() {
        return false;
    }
    let num = |r: std::ops::Range<usize>| d[r].parse::<u32>().unwrap_or(0);
    let (y, m, day) = (num(6..10), num(10..12), num(12..14));
    (1900..=2030).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&day)
}

/// Builds the canonical char view: full-width → half-width, lower case.
fn canon(text: &str) -> Vec<char> {
    text.chars()
        .map(|c| {
            let c = match half_width(c) {
                '－' | '—' | '–' => '-',
                c => c,
            };
            c.to_ascii_lowercase()
        })
        .collect()
}

fn digit_runs(c: &[char]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if !is_digit(c[i]) {
            i += 1;
            continue;
        }
        // A number glued to letters is a code (SF1234…, iPhone13), not PII.
        let glued = i > 0 && c[i - 1].is_ascii_alphabetic() && c[i - 1] != 'x';
        let mut has_paren_area = false;
        let mut start = i;
        if i > 0 && c[i - 1] == '+' {
            start = i - 1;
        }
        let mut digit_pos = Vec::new();
        let mut j = i;
        loop {
            while j < c.len() && is_digit(c[j]) {
                digit_pos.push(j);
                j += 1;
            }
            // `(010)8888 8888`: a closing parenthesis right after an area code.
            if j + 1 < c.len() && c[j] == ')' && digit_pos.len() <= 4 && is_digit(c[j + 1]) {
                has_paren_area = true;
                j += 1;
                continue;
            }
            if j + 1 < c.len() && matches!(c[j], ' ' | '-') && is_digit(c[j + 1]) {
                j += 1;
                continue;
            }
            break;
        }
        // ID numbers end in X.
        if digit_pos.len() == 17 && j < c.len() && c[j] == 'x' {
            digit_pos.push(j);
            j += 1;
        }
        if j < c.len() && c[j].is_ascii_alphabetic() {
            // glued to letters after: a model or code
            while j < c.len() && (c[j].is_ascii_alphanumeric()) {
                j += 1;
            }
            i = j;
            continue;
        }
        if !glued {
            let digits: String = digit_pos
                .iter()
                .map(|&p| c[p].to_ascii_uppercase())
                .collect();
            if start > 0 && c[start - 1] == '(' && has_paren_area {
                start -= 1;
            }
            let last_group = c[start..j]
                .iter()
                .rev()
                .take_while(|ch| ch.is_ascii_digit())
                .count();
            runs.push(Run {
                start,
                end: j,
                digits,
                last_group,
                has_paren_area,
            });
        }
        i = j;
    }
    runs
}

fn context_before(c: &[char], from: usize, limit: usize) -> String {
    let lo = from.saturating_sub(limit);
    let mut s: String = c[lo..from].iter().collect();
    // Only the text after the previous number counts.
    if let Some(p) = s.rfind(|ch: char| ch.is_ascii_digit()) {
        s = s[p + 1..].to_string();
    }
    s
}

fn any_in(hay: &str, words: &[&str]) -> bool {
    words.iter().any(|w| hay.contains(w))
}

fn is_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

fn classify_run(c: &[char], r: &Run) -> Option<(PiiKind, usize)> {
    let ctx = context_before(c, r.start, 10);
    let d = r.digits.as_str();
    let n = d.len();
    let keep = any_in(&ctx, KEEP_CONTEXT);
    // Country code prefixes on mobiles: +86, 0086, 86.
    let country = if n == 13 && d.starts_with("86") {
        2
    } else if n == 15 && d.starts_with("0086") {
        4
    } else {
        0
    };
    if country > 0 && is_mobile(&d[country..]) {
        return Some((PiiKind::Mobile, country));
    }
    if keep {
        return None;
    }
    if is_mobile(d) {
        return Some((PiiKind::Mobile, 0));
    }
    if n == 18 && valid_id_card(d) {
        return Some((PiiKind::IdCard, 0));
    }
    if n == 15 && any_in(&ctx, ID_CONTEXT) {
        return Some((PiiKind::IdCard, 0));
    }
    if (16..=19).contains(&n) && luhn(d) {
        let iin =
            d.starts_with("62") || d.starts_with('4') || d.starts_with('5') || d.starts_with("3");
        if iin || any_in(&ctx, CARD_CONTEXT) {
            return Some((PiiKind::BankCard, 0));
        }
    }
    // Landlines: 0 + area code (2–3 digits) + 7–8 digit number, optional extension.
    if d.starts_with('0') && !d.starts_with("00") && (10..=12).contains(&n) {
        return Some((PiiKind::Landline, 0));
    }
    // … with an extension: `010-12345678-8021`.
    let ext = r.last_group;
    if d.starts_with('0')
        && !d.starts_with("00")
        && ext < n
        && ext <= 5
        && (10..=12).contains(&(n - ext))
    {
        return Some((PiiKind::Landline, 0));
    }
    if r.has_paren_area && (10..=12).contains(&n) {
        return Some((PiiKind::Landline, 0));
    }
    if (7..=8).contains(&n)
        && !d.starts_with('0')
        && !d.starts_with('1')
        && any_in(&ctx, PHONE_CONTEXT)
    {
        return Some((PiiKind::Landline, 0));
    }
    None
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,10}").unwrap()
});

/// Region (province/city/district) then a street or estate with a number.
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<region>(?:\p{Han}{2,6}?(?:省|自治区))?(?:\p{Han}{1,6}?市)?(?:\p{Han}{1,6}?(?:区|县|旗))?)",
        r"(?P<detail>",
        r"\p{Han}{1,12}?(?:路|街|大道|道|巷|弄|胡同|村|镇|乡)(?:[0-9一二三四五六七八九十]+段)?",
        r"\s*(?:[0-9一二三四五六七八九十百]+\s*(?:号院|号楼|号|弄|巷|栋|幢|组))",
        r"|",
        r"\p{Han}{2,12}?(?:小区|花园|公寓|大厦|家园|新村|苑|园|广场|中心|大楼|府|城)",
        r"\s*(?:[0-9a-z一二三四五六七八九十]+\s*(?:号楼|栋|幢|单元|楼|座|号|区|期))",
        r")",
        r"(?:\s*[-0-9a-z一二三四五六七八九十]+\s*(?:号楼|栋|幢|单元|楼|层|室|号|座|户|期|-))*",
        r"(?:\s*[0-9]+(?:室)?)?"
    ))
    .unwrap()
});

/// Chars that end a non-address prefix the lazy street match may swallow
/// (`我家住在建国路88号` → the address starts after `在`).
const ADDRESS_CUT: &[char] = &[
    '在', '到', '是', '址', ':', '住', '寄', '送', '的', '发', '往', '于', ',', '。', ' ',
];

/// Finds all PII in `text` (offsets in chars of the original).
pub fn detect(text: &str) -> Vec<PiiMatch> {
    // Fast path: every kind needs a digit, an `@` or an address number unit.
    let candidate = text.chars().any(|ch| {
        ch.is_ascii_digit()
            || ('０'..='９').contains(&ch)
            || matches!(
                ch,
                '@' | '＠'
                    | '号'
                    | '栋'
                    | '幢'
                    | '弄'
                    | '巷'
                    | '组'
                    | '座'
                    | '单'
                    | '室'
                    | '期'
                    | '楼'
            )
    });
    if !candidate {
        return Vec::new();
    }
    let c = canon(text);
    let orig: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    // Byte → char offset map of the canonical string for the regexes.
    let cs: String = c.iter().collect();
    let mut byte_to_char = vec![0usize; cs.len() + 1];
    {
        let mut ci = 0;
        for (bi, _) in cs.char_indices() {
            byte_to_char[bi] = ci;
            ci += 1;
        }
        byte_to_char[cs.len()] = ci;
    }
    if c.contains(&'@') {
        for m in EMAIL.find_iter(&cs) {
            out.push((
                PiiKind::Email,
                byte_to_char[m.start()],
                byte_to_char[m.end()],
            ));
        }
    }
    for r in digit_runs(&c) {
        let (s, e) = (r.start, r.end);
        if out.iter().any(|&(_, a, b)| s < b && a < e) {
            continue; // inside an e-mail
        }
        if let Some((kind, _)) = classify_run(&c, &r) {
            out.push((kind, s, e));
        }
    }
    // Every address ends in a number unit: skip the regex when none is present.
    let maybe_address = c.iter().any(|ch| {
        matches!(
            ch,
            '号' | '栋' | '幢' | '弄' | '巷' | '组' | '座' | '单' | '室' | '期' | '楼'
        )
    });
    let addresses = if maybe_address {
        ADDRESS.captures_iter(&cs).collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    for caps in addresses {
        let whole = caps.get(0).unwrap();
        let region = caps.name("region").unwrap();
        let detail = caps.name("detail").unwrap();
        let mut s = byte_to_char[whole.start()];
        let region_end = byte_to_char[region.end()];
        // Trim a swallowed prefix such as `我家住在`.
        let head_end = byte_to_char[detail.start()];
        if region.as_str().is_empty() {
            let d = &c[head_end..byte_to_char[detail.end()]];
            if let Some(p) = d.iter().rposition(|ch| ADDRESS_CUT.contains(ch)) {
                s = head_end + p + 1;
            }
        } else {
            let reg = &c[s..region_end];
            if let Some(p) = reg.iter().rposition(|ch| ADDRESS_CUT.contains(ch)) {
                s += p + 1;
            }
        }
        let e = byte_to_char[whole.end()];
        if e <= s {
            continue;
        }
        out.retain(|&(_, a, b)| !(a >= s && b <= e));
        // `…文三路478号` + `华星时代广场A座`: adjacent parts are one address.
        if let Some(last) = out.iter_mut().rev().find(|(k, _, b)| {
            *k == PiiKind::Address
                && *b <= s
                && s - *b <= 10
                && c[*b..s]
                    .iter()
                    .all(|ch| ch.is_ascii_alphanumeric() || *ch == ' ')
        }) {
            last.2 = e;
            continue;
        }
        out.push((PiiKind::Address, s, e));
    }
    out.sort_by_key(|&(_, s, _)| s);
    out.into_iter()
        .map(|(kind, start, end)| PiiMatch {
            kind,
            start,
            end,
            text: orig[start..end].iter().collect(),
        })
        .collect()
}

/// Replaces the digits of a number span, keeping the first `head` and last `tail`.
fn mask_digits(out: &mut [char], c: &[char], s: usize, e: usize, head: usize, tail: usize) {
    let pos: Vec<usize> = (s..e)
        .filter(|&i| c[i].is_ascii_digit() || c[i] == 'x')
        .collect();
    let n = pos.len();
    for (k, &p) in pos.iter().enumerate() {
        if k >= head && k + tail < n {
            out[p] = '*';
        }
    }
}

/// Masks every PII item of `text`; other characters are unchanged.
pub fn mask(text: &str) -> String {
    mask_matches(text, &detect(text))
}

/// Masks the given matches (from [`detect`]) in `text`.
pub fn mask_matches(text: &str, matches: &[PiiMatch]) -> String {
    if matches.is_empty() {
        return text.to_string();
    }
    let c = canon(text);
    let mut out: Vec<char> = text.chars().collect();
    for m in matches {
        let (s, e) = (m.start, m.end);
        match m.kind {
            PiiKind::Mobile => {
                let n = (s..e).filter(|&i| c[i].is_ascii_digit()).count();
                // +86 prefix stays visible: mask 4 digits before the last 4.
                mask_digits(&mut out, &c, s, e, n - 8, 4);
            }
            PiiKind::Landline => {
                let n = (s..e).filter(|&i| c[i].is_ascii_digit()).count();
                let area = if c[s..e].iter().any(|&x| x == '-' || x == ')' || x == ' ') {
                    c[s..e]
                        .iter()
                        .take_while(|&&x| x != '-' && x != ')' && x != ' ')
                        .filter(|x| x.is_ascii_digit())
                        .count()
                } else if n >= 11
                    && !c[s..e].starts_with(&['0', '1'])
                    && !c[s..e].starts_with(&['0', '2'])
                {
                    4
                } else {
                    3
                };
                let area = if n <= 8 { 0 } else { area };
                mask_digits(&mut out, &c, s, e, area, 2);
            }
            PiiKind::IdCard => mask_digits(&mut out, &c, s, e, 4, 4),
            PiiKind::BankCard => mask_digits(&mut out, &c, s, e, 4, 4),
            PiiKind::Email => {
                let at = (s..e).find(|&i| c[i] == '@').unwrap_or(e);
                for o in out.iter_mut().take(at).skip(s + 1) {
                    *o = '*';
                }
            }
            PiiKind::Address => {
                // Keep the region words (省/市/区/县), mask the street and number.
                let mut keep_to = s;
                for (i, ch) in c.iter().enumerate().take(e).skip(s) {
                    if matches!(ch, '省' | '市' | '区' | '县' | '旗') && i + 1 < e {
                        keep_to = i + 1;
                    } else if i > keep_to + 6 {
                        break;
                    }
                }
                for o in out.iter_mut().take(e).skip(keep_to) {
                    if !o.is_whitespace() {
                        *o = '*';
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<PiiKind> {
        detect(t).into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn mobile_variants() {
        assert_eq!(mask("电话13812345678谢谢"), "电话138****5678谢谢");
        assert_eq!(mask("138 1234 5678"), "138 **** 5678");
        assert_eq!(mask("「１３８１２３４５６７８」"), "「１３８****５６７８」");
        assert_eq!(mask("+86 138-1234-5678"), "+86 138-****-5678");
        assert_eq!(kinds("订单号13812345678"), vec![]);
    }

    #[test]
    fn id_card_checksum() {
        assert!(valid_id_card("11010519491231002X"));
        assert!(!valid_id_card("110105194912310021"));
        assert_eq!(mask("身份证11010519491231002X"), "身份证1101**********002X");
        assert_eq!(kinds("110105194912310021"), vec![]);
    }

    #[test]
    fn bank_card_luhn_and_orders() {
        assert_eq!(kinds("卡号6222021234567890128"), vec![PiiKind::BankCard]);
        assert_eq!(mask("6222 0212 3456 7890 128"), "6222 **** **** ***0 128");
        assert_eq!(kinds("6222021234567890123"), vec![]); // Luhn fails
        assert_eq!(kinds("订单号 6222021234567890128"), vec![]);
    }

    #[test]
    fn landline_email_address() {
        assert_eq!(kinds("座机010-87654321"), vec![PiiKind::Landline]);
        assert_eq!(mask("010-87654321"), "010-******21");
        assert_eq!(
            mask("邮箱 zhang.san@example.com"),
            "邮箱 z********@example.com"
        );
        let a = detect("寄到浙江省杭州市西湖区文三路478号华星时代广场A座");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, PiiKind::Address);
        assert!(a[0].text.starts_with("浙江省杭州市西湖区文三路478号"));
        let m = mask("寄到浙江省杭州市西湖区文三路478号");
        assert!(m.starts_with("寄到浙江省杭州市西湖区*"), "{m}");
        assert!(!m.contains("478"));
    }

    #[test]
    fn non_pii_numbers_kept() {
        for t in [
            "价格199元",
            "2023-05-12到货",
            "SF1234567890123",
            "iPhone13",
            "400-800-1234",
            "等了12天",
        ] {
            assert_eq!(kinds(t), vec![], "{t}");
        }
    }
}
