//! Chinese text understanding at ingest: categories, sentiment, urgency, spam and a
//! PII-masked copy, written beside the original text so reports never re-read it.

use kefu_model::{MessageRecord, ReviewRecord, Sender, SurveyRecord};

/// Customer messages get categories, three-class chat sentiment, urgency and a
/// PII-masked copy;
/// other senders get the masked copy (agents repeat phone numbers and addresses).
pub(crate) fn enrich_messages(a: &kefu_text::Analyzer, rows: &mut [MessageRecord]) {
    let idx: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].sender == Sender::Customer && !rows[i].text_raw.is_empty())
        .collect();
    let results = {
        let texts: Vec<&str> = idx.iter().map(|&i| rows[i].text_raw.as_str()).collect();
        a.analyze_batch_chat(&texts)
    };
    for (i, r) in idx.into_iter().zip(results) {
        let m = &mut rows[i];
        m.text_masked = Some(r.masked);
        m.categories = r.labels;
        m.sentiment = Some(r.sentiment);
        m.urgent = Some(r.urgent);
        m.spam = Some(r.spam.is_some());
        m.intent = r.intent;
    }
    for m in rows.iter_mut().filter(|m| m.text_masked.is_none()) {
        m.text_masked = Some(kefu_text::pii::mask(&m.text_raw));
    }
}

/// Reviews get categories, sentiment, urgency, a spam verdict and a masked copy.
pub(crate) fn enrich_reviews(a: &kefu_text::Analyzer, rows: &mut [ReviewRecord]) {
    let results = {
        let texts: Vec<&str> = rows.iter().map(|r| r.text_raw.as_str()).collect();
        a.analyze_batch(&texts)
    };
    for (r, x) in rows.iter_mut().zip(results) {
        r.text_masked = Some(x.masked);
        r.categories = x.labels;
        r.sentiment = Some(x.sentiment);
        r.urgent = Some(x.urgent);
        r.spam = Some(x.spam.is_some());
    }
}

/// Survey comments get the same reading as reviews; surveys without a comment keep
/// every text column empty.
pub(crate) fn enrich_surveys(a: &kefu_text::Analyzer, rows: &mut [SurveyRecord]) {
    let idx: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            rows[i]
                .comment
                .as_deref()
                .is_some_and(|c| !c.trim().is_empty())
        })
        .collect();
    let results = {
        let texts: Vec<&str> = idx
            .iter()
            .map(|&i| rows[i].comment.as_deref().unwrap_or(""))
            .collect();
        a.analyze_batch(&texts)
    };
    for (i, x) in idx.into_iter().zip(results) {
        let s = &mut rows[i];
        s.comment_masked = Some(x.masked);
        s.categories = x.labels;
        s.sentiment = Some(x.sentiment);
        s.urgent = Some(x.urgent);
        s.spam = Some(x.spam.is_some());
    }
}
