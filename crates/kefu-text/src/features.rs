//! Hashed character n-gram features shared by the sentiment and category models.
//!
//! Character n-grams need no segmentation, so they are fast (no jieba on the hot
//! path) and robust to the misspellings and slang of reviews. The hash is our own
//! FNV-style mix so model files stay valid across Rust and crate versions.

/// Feature-scheme version written into model files; bump when hashing changes.
pub const SCHEME: u32 = 1;

#[inline]
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ceb9fe1a85ec53);
    h ^ (h >> 33)
}

#[inline]
fn canon(c: char) -> char {
    if c.is_ascii_digit() {
        '0'
    } else {
        c.to_ascii_lowercase()
    }
}

/// Hash of an arbitrary string feature (used for rule-hit features).
pub fn hash_str(s: &str) -> u32 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    (mix(h) >> 32) as u32
}

/// Appends 32-bit hashes of the char 1..=3-grams of normalised `text` to `out`,
/// sorted and deduplicated (binary presence features). Models keep the top bits
/// they need, so one pass serves models of different sizes.
pub fn char_ngrams(text: &str, out: &mut Vec<u32>) {
    let start = out.len();
    let (mut p1, mut p2) = (0u64, 0u64);
    for c in text.chars() {
        if c == ' ' {
            p1 = 0;
            p2 = 0;
            continue;
        }
        let c = canon(c) as u64;
        let uni = c.wrapping_mul(0x9E3779B97F4A7C15);
        out.push((mix(uni) >> 32) as u32);
        if p1 != 0 {
            let bi = (p1 << 21 | c) ^ 0x5555_0000_0000_0000;
            out.push((mix(bi) >> 32) as u32);
            if p2 != 0 {
                let tri = (p2 << 42 | p1 << 21 | c) ^ 0x0F0F_0000_0000_0000;
                out.push((mix(tri.wrapping_add(0x1234567)) >> 32) as u32);
            }
        }
        p2 = p1;
        p1 = c;
    }
    let tail = &mut out[start..];
    tail.sort_unstable();
    let mut w = start;
    for r in start..out.len() {
        if r == start || out[r] != out[w - 1] {
            out[w] = out[r];
            w += 1;
        }
    }
    out.truncate(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ngrams_are_deterministic_and_deduplicated() {
        let mut a = Vec::new();
        char_ngrams("好好好", &mut a);
        // unigram 好, bigram 好好, trigram 好好好 → 3 distinct
        assert_eq!(a.len(), 3);
        let mut b = Vec::new();
        char_ngrams("好好好", &mut b);
        assert_eq!(a, b);
        let mut c = Vec::new();
        char_ngrams("差差差", &mut c);
        assert_ne!(a, c);
    }

    #[test]
    fn digits_share_a_feature() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        char_ngrams("等了3天", &mut a);
        char_ngrams("等了5天", &mut b);
        assert_eq!(a, b);
    }
}
