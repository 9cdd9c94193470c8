//! The PII evaluation set: hand-written customer-message templates filled with
//! generated numbers in the variants customers actually type (plain, spaced,
//! hyphenated, full-width digits, 「」 around the number, +86), plus
//! look-alikes that must be kept (order and tracking numbers, prices, dates,
//! invalid ID checksums, non-Luhn card-length numbers, hotlines).
//!
//! Deterministic (seeded), so the figures in the README are reproducible.

use crate::linear::Rng;
use crate::pii::{PiiKind, detect};

/// One case: the text and the expected items (kind, char start, char end).
#[derive(Debug, Clone)]
pub struct PiiCase {
    pub text: String,
    pub expected: Vec<(PiiKind, usize, usize)>,
}

const TEMPLATES: &[&str] = &[
    "我的手机号是{mobile}，快递到了请打电话",
    "联系电话：{mobile}",
    "麻烦改一下收货电话{mobile}，谢谢",
    "{mobile} 这个号码一直打不通",
    "收件人张先生 {mobile} {address}",
    "电话{mobile}地址{address}",
    "公司座机{landline}，工作日都有人",
    "有问题打我办公室电话{landline}",
    "身份证号{id}，实名认证一直失败",
    "报关需要身份证：{id}",
    "退款打到这张卡{card}，户名李四",
    "我的银行卡号是{card}",
    "邮箱{email}，发票发到这里",
    "请把电子发票发送至{email}",
    "寄回地址{address}，收件人王女士",
    "送到{address}就行",
    "我家住在{address}，快递员送错了",
    "换货寄到{address} 电话{mobile}",
    "你好，我叫刘洋，{mobile}，订单号{order}，一直没发货",
    "卡号：{card} 身份证：{id}",
    "微信同号{mobile}",
    "加急！！{mobile}！！",
    "手机{mobile}，备用{landline}",
    "亲，发票抬头写公司，邮箱是{email}，电话{mobile}",
    "师傅上门前先打{mobile}，我白天不在家",
    "新地址：{address}。原来的地址不用了",
    "订单{order}的收货人电话改成{mobile}",
    "打款账户{card}，开户行工商银行",
    "我的身份证{id}，为什么说信息不符？",
    "快递单号{tracking}，收件电话{mobile}",
    "订单号{order}，什么时候发货",
    "订单编号：{order} 申请退款",
    "快递单号{tracking}查不到物流",
    "运单号 {order} 三天没更新",
    "一共花了{price}元，太贵了",
    "{date}下的单，到现在没到",
    "客服热线{hotline}一直占线",
    "{bad_id}这串数字是什么意思",
    "卡片背面印着{bad_card}，是不是假的",
    "买了{qty}件，少发了{qty}件",
    "价格{price}，原价{price}，降价了不给价保",
    "SN码{serial}，保修能查到吗",
    "{date}签收的，{date}就坏了",
    "第{qty}次联系客服了，工单{order}",
    "等了{qty}天还没到，订单{order}",
    "我这里{qty}台机器都不能用",
    // Harder cases, written before measuring and kept whatever they score.
    "分机号在这：{landline}-8021",
    "手机号码：{mobile}（微信同号）有事随时联系",
    "电话{mobile}/{mobile}都可以",
    "邮箱地址 {email}；电话 {landline}",
    "麻烦师傅送到{address}，到了打{mobile}",
    "IMEI：{serial}，序列号对不上",
    "发票号码{order}，开票日期{date}",
    "会员卡积分{qty}000分怎么没了",
    "我的卡{card}被扣了{price}元",
    "型号A{qty}B，尺寸{qty}*{qty}cm",
    "{mobile}",
    "身份证尾号{qty}的那个是我",
];

const ADDRESSES: &[&str] = &[
    "北京市朝阳区建国路88号SOHO现代城5号楼1203室",
    "上海市浦东新区张江路123弄5号602室",
    "广东省深圳市南山区高新南七道18号",
    "浙江省杭州市西湖区文三路478号华星时代广场A座",
    "江苏省南京市鼓楼区中山北路200号",
    "四川省成都市武侯区人民南路四段12号",
    "湖北省武汉市洪山区珞喻路1037号",
    "广州市天河区天河路385号太古汇2座",
    "天津市和平区南京路219号",
    "重庆市渝中区民权路28号",
    "山东省青岛市市南区香港中路10号颐和国际A座2801",
    "福建省厦门市思明区莲前西路2号莲富大厦17楼",
    "西安市雁塔区小寨东路126号",
    "长沙市岳麓区麓山南路932号",
    "河南省郑州市金水区花园路39号",
    "南京市江宁区万达华府3栋2单元501",
    "苏州工业园区星湖街328号",
    "朝阳区望京西园三区312号楼",
    "幸福小区5栋3单元201",
    "北京市海淀区中关村大街27号",
    "河北省石家庄市长安区中山东路508号",
    "云南省昆明市五华区东风西路11号",
];

const EMAILS: &[&str] = &[
    "zhangsan@163.com",
    "li.si_88@qq.com",
    "wangwu2020@126.com",
    "service.team@example.com.cn",
    "xiaomei.chen@gmail.com",
    "shop-buyer01@sina.cn",
];

const MOBILE_PREFIX: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152",
    "155", "157", "158", "159", "166", "173", "177", "180", "181", "185", "186", "187", "188",
    "189", "191", "199",
];
const AREA: &[&str] = &[
    "010", "020", "021", "022", "023", "0571", "0755", "0512", "028", "027", "0731",
];
const ID_AREA: &[&str] = &[
    "110105", "310104", "440305", "330106", "510107", "420106", "320102",
];
const CARD_BIN: &[&str] = &[
    "622202", "621700", "622848", "623052", "436742", "518710", "622588",
];

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + (rng.next_u64() % 10) as u8))
        .collect()
}

fn id_number(rng: &mut Rng, valid: bool) -> String {
    let area = ID_AREA[(rng.next_u64() % ID_AREA.len() as u64) as usize];
    let y = 1950 + rng.next_u64() % 56;
    let m = 1 + rng.next_u64() % 12;
    let d = 1 + rng.next_u64() % 28;
    let body = format!("{area}{y}{m:02}{d:02}{}", digits(rng, 3));
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let s: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| (c - b'0') as u32 * w)
        .sum();
    let mut check = C[(s % 11) as usize] as char;
    if !valid {
        check = if check == '0' { '1' } else { '0' };
    }
    format!("{body}{check}")
}

fn luhn_digit(body: &str) -> char {
    let mut sum = 0;
    for (i, c) in body.bytes().rev().enumerate() {
        let mut v = (c - b'0') as u32;
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn card_number(rng: &mut Rng, valid: bool) -> String {
    let bin = CARD_BIN[(rng.next_u64() % CARD_BIN.len() as u64) as usize];
    let len = if rng.next_u64().is_multiple_of(2) {
        16
    } else {
        19
    };
    let body = format!("{bin}{}", digits(rng, len - 7));
    let mut check = luhn_digit(&body);
    if !valid {
        check = if check == '9' {
            '0'
        } else {
            char::from(check as u8 + 1)
        };
    }
    format!("{body}{check}")
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 + 0xFEE0).unwrap()
            } else {
                c
            }
        })
        .collect()
}

/// Groups digits with `sep` at the given group sizes (e.g. 3-4-4).
fn group(s: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    for (k, &n) in sizes.iter().enumerate() {
        if i >= s.len() {
            break;
        }
        if k > 0 {
            out.push_str(sep);
        }
        let e = if k + 1 == sizes.len() {
            s.len()
        } else {
            (i + n).min(s.len())
        };
        out.push_str(&s[i..e]);
        i = e;
    }
    out
}

/// Applies one of the typing variants to a number.
fn variant(rng: &mut Rng, s: &str, sizes: &[usize], allow_plus86: bool) -> (String, usize, usize) {
    // Returns (rendered, offset of the PII inside, its length in chars).
    let v = rng.next_u64() % if allow_plus86 { 7 } else { 6 };
    let r = match v {
        0 => s.to_string(),
        1 => group(s, sizes, " "),
        2 => group(s, sizes, "-"),
        3 => full_width(s),
        4 => full_width(&group(s, sizes, " ")),
        5 => s.to_string(), // wrapped in 「」 below
        _ => format!("+86 {}", group(s, sizes, " ")),
    };
    if v == 5 {
        let n = r.chars().count();
        return (format!("「{r}」"), 1, n);
    }
    let n = r.chars().count();
    (r, 0, n)
}

/// Builds the evaluation set: every template filled `rounds` times.
pub fn build(rounds: usize) -> Vec<PiiCase> {
    let mut rng = Rng(20241122);
    let mut cases = Vec::new();
    for _ in 0..rounds {
        for t in TEMPLATES {
            let mut text = String::new();
            let mut expected = Vec::new();
            let mut rest = *t;
            while let Some(p) = rest.find('{') {
                text.push_str(&rest[..p]);
                let q = rest[p..].find('}').unwrap() + p;
                let name = &rest[p + 1..q];
                rest = &rest[q + 1..];
                let base = text.chars().count();
                let pick = |rng: &mut Rng, v: &[&'static str]| {
                    v[(rng.next_u64() % v.len() as u64) as usize]
                };
                let (rendered, kind, off, len) = match name {
                    "mobile" => {
                        let m = format!("{}{}", pick(&mut rng, MOBILE_PREFIX), digits(&mut rng, 8));
                        let (r, o, n) = variant(&mut rng, &m, &[3, 4, 4], true);
                        (r, Some(PiiKind::Mobile), o, n)
                    }
                    "landline" => {
                        let a = pick(&mut rng, AREA);
                        let local_len = if a.len() == 3 { 8 } else { 7 };
                        let local = format!(
                            "{}{}",
                            2 + rng.next_u64() % 7,
                            digits(&mut rng, local_len - 1)
                        );
                        let r = match rng.next_u64() % 4 {
                            0 => format!("{a}-{local}"),
                            1 => format!("({a}){local}"),
                            2 => full_width(&format!("{a}-{local}")),
                            _ => format!("{a}{local}"),
                        };
                        let n = r.chars().count();
                        (r, Some(PiiKind::Landline), 0, n)
                    }
                    "id" => {
                        let id = id_number(&mut rng, true);
                        let (r, o, n) = variant(&mut rng, &id, &[6, 8, 4], false);
                        (r, Some(PiiKind::IdCard), o, n)
                    }
                    "card" => {
                        let c = card_number(&mut rng, true);
                        let (r, o, n) = variant(&mut rng, &c, &[4, 4, 4, 4, 4], false);
                        (r, Some(PiiKind::BankCard), o, n)
                    }
                    "email" => {
                        let e = pick(&mut rng, EMAILS).to_string();
                        let n = e.chars().count();
                        (e, Some(PiiKind::Email), 0, n)
                    }
                    "address" => {
                        let a = pick(&mut rng, ADDRESSES).to_string();
                        let n = a.chars().count();
                        (a, Some(PiiKind::Address), 0, n)
                    }
                    "order" => {
                        let n = [12usize, 16, 18, 19][(rng.next_u64() % 4) as usize];
                        let o = format!("{}{}", 1 + rng.next_u64() % 9, digits(&mut rng, n - 1));
                        let (r, _, _) = variant(&mut rng, &o, &[4, 4, 4, 4, 4], false);
                        (r, None, 0, 0)
                    }
                    "tracking" => {
                        let pre = ["SF", "YT", "JD", "ZTO", "75"][(rng.next_u64() % 5) as usize];
                        (format!("{pre}{}", digits(&mut rng, 12)), None, 0, 0)
                    }
                    "price" => (
                        format!("{}.{}", 10 + rng.next_u64() % 3000, rng.next_u64() % 100),
                        None,
                        0,
                        0,
                    ),
                    "date" => (
                        format!(
                            "2024-{:02}-{:02}",
                            1 + rng.next_u64() % 12,
                            1 + rng.next_u64() % 28
                        ),
                        None,
                        0,
                        0,
                    ),
                    "hotline" => (
                        format!("400-{}-{}", digits(&mut rng, 3), digits(&mut rng, 4)),
                        None,
                        0,
                        0,
                    ),
                    "bad_id" => (id_number(&mut rng, false), None, 0, 0),
                    "bad_card" => (
                        group(&card_number(&mut rng, false), &[4, 4, 4, 4, 4], " "),
                        None,
                        0,
                        0,
                    ),
                    "qty" => ((1 + rng.next_u64() % 30).to_string(), None, 0, 0),
                    "serial" => (format!("C02{}", digits(&mut rng, 9)), None, 0, 0),
                    other => panic!("unknown placeholder {other}"),
                };
                if let Some(k) = kind {
                    expected.push((k, base + off, base + off + len));
                }
                text.push_str(&rendered);
            }
            text.push_str(rest);
            cases.push(PiiCase { text, expected });
        }
    }
    cases
}

/// Precision/recall per kind and overall.
#[derive(Debug, Clone, Default)]
pub struct PiiScores {
    /// (kind, true positives, false positives, false negatives)
    pub per_kind: Vec<(PiiKind, usize, usize, usize)>,
    pub cases: usize,
    /// Texts with at least one error, for inspection.
    pub errors: Vec<String>,
}

impl PiiScores {
    pub fn totals(&self) -> (usize, usize, usize) {
        self.per_kind
            .iter()
            .fold((0, 0, 0), |a, &(_, tp, fp, fn_)| {
                (a.0 + tp, a.1 + fp, a.2 + fn_)
            })
    }
    pub fn precision(&self) -> f64 {
        let (tp, fp, _) = self.totals();
        tp as f64 / (tp + fp).max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        let (tp, _, fn_) = self.totals();
        tp as f64 / (tp + fn_).max(1) as f64
    }
}

/// Scores [`detect`] on `cases`: a detection is correct when its kind matches an
/// expected item it overlaps.
pub fn score(cases: &[PiiCase]) -> PiiScores {
    let mut counts: Vec<(PiiKind, usize, usize, usize)> =
        PiiKind::ALL.iter().map(|&k| (k, 0, 0, 0)).collect();
    let mut errors = Vec::new();
    for c in cases {
        let found = detect(&c.text);
        let mut used = vec![false; c.expected.len()];
        let mut bad = false;
        for f in &found {
            let hit =
                c.expected.iter().enumerate().position(|(i, &(k, s, e))| {
                    !used[i] && k == f.kind && f.start < e && s < f.end
                });
            let slot = counts.iter_mut().find(|x| x.0 == f.kind).unwrap();
            match hit {
                Some(i) => {
                    used[i] = true;
                    slot.1 += 1;
                }
                None => {
                    slot.2 += 1;
                    bad = true;
                }
            }
        }
        for (i, &(k, _, _)) in c.expected.iter().enumerate() {
            if !used[i] {
                counts.iter_mut().find(|x| x.0 == k).unwrap().3 += 1;
                bad = true;
            }
        }
        if bad {
            errors.push(c.text.clone());
        }
    }
    PiiScores {
        per_kind: counts,
        cases: cases.len(),
        errors,
    }
}
