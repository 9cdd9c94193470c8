//! Segmentation (jieba-rs with an e-commerce user dictionary), TF-IDF and
//! TextRank keywords, and keyword trends between two periods.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::BufReader;

use jieba_rs::{Jieba, KeywordExtract, KeywordExtractConfig, TextRank, TfIdf};
use serde::Serialize;

/// E-commerce words jieba's general dictionary splits or misses (退款, 运费险 …).
pub static USER_DICT: &str = include_str!("../dict/ecommerce.dict");

/// Words too common in reviews to be keywords.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "东西", "感觉", "还是", "就是", "真的", "非常", "一个", "没有", "什么", "这个", "那个", "我们", "你们", "他们", "自己",
    "已经", "可以", "但是", "不过", "而且", "因为", "所以", "觉得", "还有", "这样", "一下", "一点", "比较", "有点", "这么",
    "那么", "怎么", "然后", "现在", "时候", "知道", "时间", "以后", "之前", "不是", "不会", "不能", "就是", "还是", "一直",
    "一次", "一些", "这次", "本来", "其实", "特别", "确实", "宝贝", "收到", "购买", "买的", "商品",
    // Chat: greetings, asking for a person, politeness and function words, which
    // top any count of customer messages and say nothing about the complaint.
    "你好", "您好", "在吗", "在不在", "我要", "人工", "转人工", "客服", "问题", "请问", "麻烦", "谢谢", "好的", "帮我", "一下子",
    "看看", "看一下", "能不能", "是不是", "有没有", "为什么", "怎么回事", "老板", "店家", "掌柜", "亲亲", "回复", "需要", "处理",
    "联系", "我的", "你们家", "这边", "那边", "可不可以", "还有吗", "一样", "东东",
];

/// Which keyword algorithm to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeywordMethod {
    #[default]
    Tfidf,
    Textrank,
}

/// A keyword with its weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeywordScore {
    pub word: String,
    pub weight: f64,
}

/// A word whose share of documents rose (or fell) between two periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeywordTrend {
    pub word: String,
    pub current: usize,
    pub previous: usize,
    /// Share of current documents containing the word.
    pub current_share: f64,
    pub previous_share: f64,
    /// Two-proportion z statistic (positive = rising).
    pub z: f64,
}

/// Jieba with the user dictionary and keyword extractors; build once, share.
pub struct Segmenter {
    jieba: Jieba,
    tfidf: TfIdf,
    textrank: TextRank,
    stop: HashSet<&'static str>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Segmenter")
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Segmenter {
    pub fn new() -> Segmenter {
        let mut jieba = Jieba::new();
        jieba
            .load_dict(&mut BufReader::new(USER_DICT.as_bytes()))
            .expect("embedded user dictionary parses");
        let mut stop: BTreeSet<String> = jieba_rs::DEFAULT_STOP_WORDS.clone();
        stop.extend(STOP_WORDS.iter().map(|s| s.to_string()));
        let config = KeywordExtractConfig::builder()
            .set_stop_words(stop)
            .min_keyword_length(2)
            .use_hmm(true)
            .build();
        let mut tfidf = TfIdf::default();
        *tfidf.config_mut() = config.clone();
        Segmenter {
            jieba,
            tfidf,
            textrank: TextRank::new(5, config),
            stop: STOP_WORDS.iter().copied().collect(),
        }
    }

    /// Word segmentation (HMM on for unknown words).
    pub fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    /// Top `k` keywords of one text.
    pub fn keywords(&self, text: &str, k: usize, method: KeywordMethod) -> Vec<KeywordScore> {
        let allowed = Vec::new();
        let kws = match method {
            KeywordMethod::Tfidf => self.tfidf.extract_keywords(&self.jieba, text, k, allowed),
            KeywordMethod::Textrank => {
                self.textrank
                    .extract_keywords(&self.jieba, text, k, allowed)
            }
        };
        kws.into_iter()
            .filter(|k| k.keyword.chars().any(|c| c.is_alphabetic()))
            .map(|k| KeywordScore {
                word: k.keyword,
                weight: k.weight,
            })
            .collect()
    }

    /// Distinct content words of a text (length ≥ 2, not stop words).
    fn doc_words(&self, text: &str) -> HashSet<String> {
        self.cut(text)
            .into_iter()
            .filter(|w| w.chars().count() >= 2 && w.chars().any(|c| c.is_alphabetic()))
            .filter(|w| !self.stop.contains(w) && !jieba_rs::DEFAULT_STOP_WORDS.contains(*w))
            .map(str::to_string)
            .collect()
    }

    /// Words whose document share rose most from `previous` to `current`
    /// (e.g. this week vs last week), with at least `min_count` current documents.
    pub fn trends<S: AsRef<str>>(
        &self,
        current: &[S],
        previous: &[S],
        min_count: usize,
        top: usize,
    ) -> Vec<KeywordTrend> {
        let df = |docs: &[S]| {
            let mut m: HashMap<String, usize> = HashMap::new();
            for d in docs {
                for w in self.doc_words(d.as_ref()) {
                    *m.entry(w).or_default() += 1;
                }
            }
            m
        };
        let (cur, prev) = (df(current), df(previous));
        let (n1, n2) = (current.len().max(1) as f64, previous.len().max(1) as f64);
        let mut out: Vec<KeywordTrend> = cur
            .iter()
            .filter(|(_, c)| **c >= min_count)
            .map(|(w, &c)| {
                let p = prev.get(w).copied().unwrap_or(0);
                let (s1, s2) = (c as f64 / n1, p as f64 / n2);
                let pooled = (c + p) as f64 / (n1 + n2);
                let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
                let z = if se > 0.0 { (s1 - s2) / se } else { 0.0 };
                KeywordTrend {
                    word: w.clone(),
                    current: c,
                    previous: p,
                    current_share: s1,
                    previous_share: s2,
                    z,
                }
            })
            .filter(|t| t.z > 0.0)
            .collect();
        out.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.word.cmp(&b.word)));
        out.truncate(top);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dictionary_keeps_shop_words_whole() {
        let s = Segmenter::new();
        let w = s.cut("申请了七天无理由退货，运费险没赔，还要催发货");
        assert!(w.contains(&"七天无理由"), "{w:?}");
        assert!(w.contains(&"运费险"), "{w:?}");
        assert!(w.contains(&"催发货"), "{w:?}");
    }

    /// Chat greetings and function words do not crowd out what the complaint is about.
    #[test]
    fn chat_greetings_are_not_keywords() {
        let s = Segmenter::new();
        let text = [
            "你好，我要人工，问题是快递三天了还没到",
            "您好 在吗 我要退款 快递破损了",
            "你好 请问 我的问题怎么处理 快递员把包裹弄丢了",
            "人工客服 你好 快递太慢",
        ]
        .join("\n");
        let k: Vec<String> = s
            .keywords(&text, 5, KeywordMethod::Tfidf)
            .into_iter()
            .map(|k| k.word)
            .collect();
        for w in ["你好", "您好", "我要", "人工", "问题", "请问", "客服"] {
            assert!(!k.iter().any(|x| x == w), "{w} in {k:?}");
        }
        assert!(k.iter().any(|x| x.contains("快递")), "{k:?}");
    }

    #[test]
    fn keywords_and_trends() {
        let s = Segmenter::new();
        let k = s.keywords(
            "快递太慢了，快递员态度很差，物流一个星期才到",
            3,
            KeywordMethod::Tfidf,
        );
        assert!(
            k.iter().any(|k| k.word == "快递员" || k.word == "快递"),
            "{k:?}"
        );
        let k = s.keywords(
            "快递太慢了，快递员态度很差，物流一个星期才到",
            3,
            KeywordMethod::Textrank,
        );
        assert!(!k.is_empty());
        let cur = ["物流太慢", "物流很慢", "质量不错", "物流差"];
        let prev = ["质量不错", "质量很好", "颜色好看", "质量一般"];
        let t = s.trends(&cur, &prev, 2, 5);
        assert_eq!(t[0].word, "物流");
        assert_eq!((t[0].current, t[0].previous), (3, 0));
    }
}
