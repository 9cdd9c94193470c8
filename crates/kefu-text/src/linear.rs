//! A multi-output logistic regression over hashed sparse features, with its
//! compact file format.
//!
//! One small model type serves sentiment (one output) and complaint categories
//! (one output per label): training is a few seconds of Adagrad in Rust, and the
//! weights quantise to `i16` and gzip to a file small enough to embed with
//! `include_bytes!`.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::error::TextError;
use crate::features::SCHEME;

const MAGIC: &[u8; 8] = b"KEFUTXT1";

/// Header of a model file; everything except the weight matrix.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    scheme: u32,
    bits: u32,
    labels: Vec<String>,
    bias: Vec<f32>,
    thresholds: Vec<f32>,
    scale: f32,
    meta: BTreeMap<String, String>,
}

/// Logistic regression with `labels.len()` outputs over `2^bits` hashed buckets;
/// a 32-bit feature hash maps to its top `bits` bits.
#[derive(Debug, Clone)]
pub struct LinearModel {
    pub bits: u32,
    pub labels: Vec<String>,
    pub bias: Vec<f32>,
    /// Bucket-major, quantised: the weights of bucket `b` are
    /// `weights[b*n .. b*n+n] * scale`, so one feature touches one cache line for
    /// all labels, and `i16` halves the memory the random lookups walk through.
    pub weights: Vec<i16>,
    pub scale: f32,
    /// Decision threshold on the probability, per output.
    pub thresholds: Vec<f32>,
    /// Free-form provenance (training data, date, accuracy) shown by the CLI.
    pub meta: BTreeMap<String, String>,
}

/// One training example: sorted feature ids, a 0/1 target per output, a weight.
#[derive(Debug, Clone)]
pub struct Example {
    pub features: Vec<u32>,
    /// Features with unit scale (rule hits), not diluted by text length.
    pub extra: Vec<u32>,
    pub targets: Vec<f32>,
    pub weight: f32,
}

/// Training knobs.
#[derive(Debug, Clone)]
pub struct TrainParams {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
    /// Extra weight on positive targets, per output (class imbalance).
    pub pos_weight: Vec<f32>,
    /// Starting weights `(feature, output, value)`: a prior the data then adjusts
    /// (the category model starts out trusting each rule for its own label).
    pub init: Vec<(u32, usize, f32)>,
    /// Starting bias per output (empty = zeros).
    pub init_bias: Vec<f32>,
}

/// Symmetric `i16` quantisation: weights are small and dense near zero, so one
/// scale per model loses well under 0.1% of accuracy.
fn quantize(w: &[f32]) -> (Vec<i16>, f32) {
    let max = w.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
    let q = w
        .iter()
        .map(|x| (x / scale).round().clamp(-32767.0, 32767.0) as i16)
        .collect();
    (q, scale)
}

#[inline]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// splitmix64: a tiny deterministic RNG so training is reproducible without deps.
pub(crate) struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

impl LinearModel {
    /// At most this many outputs (labels) per model.
    pub const MAX_OUTPUTS: usize = 32;

    pub fn n_outputs(&self) -> usize {
        self.labels.len()
    }

    /// Raw scores (logits) for `features`, written into `out`.
    pub fn logits_into(&self, features: &[u32], extra: &[u32], out: &mut Vec<f32>) {
        let n = self.labels.len();
        out.clear();
        out.resize(n, 0.0);
        let shift = 32 - self.bits;
        let mut acc = [0i32; 32];
        let acc = &mut acc[..n.min(32)];
        if !features.is_empty() {
            for &f in features {
                let b = (f >> shift) as usize * n;
                for (o, w) in acc.iter_mut().zip(&self.weights[b..b + n]) {
                    *o += *w as i32;
                }
            }
            let norm = self.scale / (features.len() as f32).sqrt();
            for (o, a) in out.iter_mut().zip(acc.iter_mut()) {
                *o = *a as f32 * norm;
                *a = 0;
            }
        }
        for &f in extra {
            let b = (f >> shift) as usize * n;
            for (a, w) in acc.iter_mut().zip(&self.weights[b..b + n]) {
                *a += *w as i32;
            }
        }
        for (o, a) in out.iter_mut().zip(acc.iter()) {
            *o += *a as f32 * self.scale;
        }
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o += *b;
        }
    }

    /// Trains from scratch; examples are not modified.
    pub fn train(
        bits: u32,
        labels: Vec<String>,
        examples: &[Example],
        params: &TrainParams,
    ) -> LinearModel {
        let n = labels.len();
        let size = (1usize << bits) * n;
        let mut w = vec![0f32; size];
        let mut g2 = vec![1e-6f32; size];
        let mut bias = if params.init_bias.len() == n {
            params.init_bias.clone()
        } else {
            vec![0f32; n]
        };
        let mut bg2 = vec![1e-6f32; n];
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = Rng(params.seed);
        let mut logits = vec![0f32; n];
        let mut grads = vec![0f32; n];
        let shift = 32 - bits;
        for &(f, k, v) in &params.init {
            w[(f >> shift) as usize * n + k] = v;
        }
        for _ in 0..params.epochs {
            rng.shuffle(&mut order);
            for &i in &order {
                let ex = &examples[i];
                let norm = if ex.features.is_empty() {
                    0.0
                } else {
                    1.0 / (ex.features.len() as f32).sqrt()
                };
                for (k, l) in logits.iter_mut().enumerate() {
                    *l = bias[k];
                }
                for &f in &ex.features {
                    let b = (f >> shift) as usize * n;
                    for k in 0..n {
                        logits[k] += w[b + k] * norm;
                    }
                }
                for &f in &ex.extra {
                    let b = (f >> shift) as usize * n;
                    for k in 0..n {
                        logits[k] += w[b + k];
                    }
                }
                for k in 0..n {
                    let y = ex.targets[k];
                    let pw = if y > 0.5 {
                        params.pos_weight.get(k).copied().unwrap_or(1.0)
                    } else {
                        1.0
                    };
                    grads[k] = (sigmoid(logits[k]) - y) * ex.weight * pw;
                    bg2[k] += grads[k] * grads[k];
                    bias[k] -= params.learning_rate * grads[k] / bg2[k].sqrt();
                }
                let scaled = ex.features.iter().map(|f| (f, norm));
                for (&f, scale) in scaled.chain(ex.extra.iter().map(|f| (f, 1.0))) {
                    let b = (f >> shift) as usize * n;
                    for k in 0..n {
                        let g = grads[k] * scale + params.l2 * w[b + k];
                        g2[b + k] += g * g;
                        w[b + k] -= params.learning_rate * g / g2[b + k].sqrt();
                    }
                }
            }
        }
        let (weights, scale) = quantize(&w);
        LinearModel {
            bits,
            labels,
            bias,
            weights,
            scale,
            thresholds: vec![0.5; n],
            meta: BTreeMap::new(),
        }
    }

    /// Serialises to the gzip-compressed, `i16`-quantised file format.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TextError> {
        let scale = self.scale;
        let header = Header {
            scheme: SCHEME,
            bits: self.bits,
            labels: self.labels.clone(),
            bias: self.bias.clone(),
            thresholds: self.thresholds.clone(),
            scale,
            meta: self.meta.clone(),
        };
        let hjson = serde_json::to_vec(&header)?;
        let mut raw = Vec::with_capacity(16 + hjson.len() + self.weights.len() * 2);
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&(hjson.len() as u32).to_le_bytes());
        raw.extend_from_slice(&hjson);
        for q in &self.weights {
            raw.extend_from_slice(&q.to_le_bytes());
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&raw)?;
        Ok(enc.finish()?)
    }

    /// Reads a file written by [`LinearModel::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<LinearModel, TextError> {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut raw)
            .map_err(|e| TextError::Model(format!("not a gzip model file: {e}")))?;
        if raw.len() < 12 || &raw[..8] != MAGIC {
            return Err(TextError::Model("bad magic".into()));
        }
        let hlen = u32::from_le_bytes(raw[8..12].try_into().unwrap()) as usize;
        let header: Header = serde_json::from_slice(
            raw.get(12..12 + hlen)
                .ok_or_else(|| TextError::Model("truncated header".into()))?,
        )?;
        if header.scheme != SCHEME {
            return Err(TextError::Model(format!(
                "feature scheme {} (this build reads {SCHEME})",
                header.scheme
            )));
        }
        let n = header.labels.len();
        if n == 0 || n > Self::MAX_OUTPUTS || !(8..=24).contains(&header.bits) {
            return Err(TextError::Model("unsupported model shape".into()));
        }
        let expect = (1usize << header.bits) * n;
        let body = &raw[12 + hlen..];
        if body.len() != expect * 2 || header.bias.len() != n || header.thresholds.len() != n {
            return Err(TextError::Model("weight matrix size mismatch".into()));
        }
        let weights = body
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        Ok(LinearModel {
            bits: header.bits,
            labels: header.labels,
            bias: header.bias,
            weights,
            scale: header.scale,
            thresholds: header.thresholds,
            meta: header.meta,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_and_round_trips() {
        let mut ex = Vec::new();
        for i in 0..200u32 {
            let pos = i % 2 == 0;
            ex.push(Example {
                features: vec![if pos { 1 << 22 } else { 2 << 22 }, (100 + i % 7) << 22],
                extra: Vec::new(),
                targets: vec![if pos { 1.0 } else { 0.0 }],
                weight: 1.0,
            });
        }
        let params = TrainParams {
            epochs: 5,
            learning_rate: 0.5,
            l2: 0.0,
            seed: 1,
            pos_weight: vec![1.0],
            init: Vec::new(),
            init_bias: Vec::new(),
        };
        let m = LinearModel::train(10, vec!["pos".into()], &ex, &params);
        let mut out = Vec::new();
        m.logits_into(&[1 << 22, 103 << 22], &[], &mut out);
        assert!(sigmoid(out[0]) > 0.9);
        m.logits_into(&[2 << 22, 103 << 22], &[], &mut out);
        assert!(sigmoid(out[0]) < 0.1);
        let back = LinearModel::from_bytes(&m.to_bytes().unwrap()).unwrap();
        let mut out2 = Vec::new();
        back.logits_into(&[1 << 22, 103 << 22], &[], &mut out2);
        m.logits_into(&[1 << 22, 103 << 22], &[], &mut out);
        assert!((out[0] - out2[0]).abs() < 1e-3);
        assert!(LinearModel::from_bytes(b"nope").is_err());
    }
}
