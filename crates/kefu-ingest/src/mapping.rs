//! Column mappings: which source column is which canonical field.
//!
//! Every tabular layout, the canonical ones included, goes through a [`Mapping`], so
//! a platform export and a hand-written CSV are validated by the same code. Presets
//! for the exports users actually have ship as TOML files in `presets/` and can be
//! copied and edited (`kefu ingest --mapping my.toml`).

use kefu_model::Table;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("mapping file: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("mapping: unknown field '{field}' for table {table} (known: {known})")]
    UnknownField {
        field: String,
        table: Table,
        known: String,
    },
    #[error("unknown preset '{0}' (known: {1})")]
    UnknownPreset(String, String),
    #[error("missing required column(s) for {table}: {missing}; header was: {header}")]
    MissingColumns {
        table: Table,
        missing: String,
        header: String,
    },
    #[error(
        "mapping '{mapping}': the file has no column {columns} (for field {field}); \
         the file's columns are: {header} (fix the name, or list \"{field}\" under \
         `optional = [...]` if exports may leave it out)"
    )]
    AbsentColumn {
        mapping: String,
        field: String,
        columns: String,
        header: String,
    },
    #[error("mapping '{mapping}': bad timestamp format '{format}': {reason}")]
    BadTimestampFormat {
        mapping: String,
        format: String,
        reason: String,
    },
}

/// The canonical fields of each table, in canonical header order.
pub fn fields(t: Table) -> &'static [&'static str] {
    match t {
        Table::Messages => &[
            "message_id",
            "conversation_id",
            "shop_id",
            "platform",
            "channel",
            "ts",
            "sender",
            "agent_id",
            "customer_id",
            "text",
            "kind",
            "product_id",
            "order_id",
        ],
        Table::Orders => &[
            "order_id",
            "shop_id",
            "customer_id",
            "product_id",
            "created_at",
            "paid_at",
            "amount",
            "status",
        ],
        Table::Surveys => &[
            "conversation_id",
            "customer_id",
            "agent_id",
            "ts",
            "score",
            "scale",
            "dimension",
            "comment",
            "shop_id",
        ],
        Table::Reviews => &[
            "review_id",
            "shop_id",
            "product_id",
            "customer_id",
            "ts",
            "rating",
            "text",
        ],
        Table::Quarantine => &[],
    }
}

/// Fields without which a row is quarantined. A list inside means "one of".
pub fn required(t: Table) -> &'static [&'static [&'static str]] {
    match t {
        Table::Messages => &[
            &["ts"],
            &["sender"],
            &["text"],
            &["conversation_id", "customer_id"],
        ],
        Table::Orders => &[&["order_id"], &["created_at"]],
        Table::Surveys => &[&["ts"], &["score"], &["conversation_id", "customer_id"]],
        Table::Reviews => &[&["ts"], &["text"]],
        Table::Quarantine => &[],
    }
}

/// One header name or several alternatives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Headers {
    One(String),
    Many(Vec<String>),
}

impl Headers {
    fn names(&self) -> Vec<&str> {
        match self {
            Headers::One(s) => vec![s.as_str()],
            Headers::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }

    /// `'a'` or `'a' / 'b'`, for messages.
    fn quoted(&self) -> String {
        self.names()
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// How timestamps are written in the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimestampSpec {
    /// `auto` (RFC 3339, or `YYYY-MM-DD HH:MM:SS` and close variants in shop time),
    /// `unix`, `unix_ms`, or a strftime pattern such as `%Y/%m/%d %H:%M`.
    pub format: String,
}

impl Default for TimestampSpec {
    fn default() -> Self {
        TimestampSpec {
            format: "auto".into(),
        }
    }
}

impl TimestampSpec {
    /// Checks a strftime pattern once, so a typo fails the mapping up front instead
    /// of quarantining every row: the pattern must parse (no unknown `%` directive)
    /// and a date and time written with it must read back (`%H:%M` alone, or a
    /// pattern of literals only, names no instant).
    pub fn validate(&self) -> Result<(), String> {
        use chrono::format::{Item, StrftimeItems};
        use std::fmt::Write as _;
        let f = self.format.as_str();
        if matches!(f, "auto" | "unix" | "unix_ms") {
            return Ok(());
        }
        if f.trim().is_empty() {
            return Err("empty (use auto, unix, unix_ms or a strftime pattern)".into());
        }
        let items: Vec<Item> = StrftimeItems::new(f).collect();
        if items.iter().any(|i| matches!(i, Item::Error)) {
            return Err(
                "not a strftime pattern (an unknown or incomplete % directive; \
                 use e.g. %Y-%m-%d %H:%M:%S, or auto, unix, unix_ms)"
                    .into(),
            );
        }
        let sample = chrono::DateTime::parse_from_rfc3339("2026-11-11T10:20:30+08:00")
            .map_err(|e| e.to_string())?;
        let mut written = String::new();
        write!(written, "{}", sample.format_with_items(items.iter()))
            .map_err(|_| "cannot write a timestamp with it".to_string())?;
        let tz = chrono_tz::Asia::Shanghai;
        match crate::parse::parse_ts(&written, self, tz) {
            Ok(_) => Ok(()),
            Err(_) => Err(format!(
                "a timestamp written with it ('{written}') does not read back as a date \
                 and time: it needs at least the year, month and day"
            )),
        }
    }
}

/// A mapping file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub table: Table,
    /// Canonical field → source column header(s).
    pub columns: BTreeMap<String, Headers>,
    /// Per field, source value → canonical value (e.g. sender 买家 → customer).
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Constant values for fields the source has no column for.
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
    #[serde(default)]
    pub timestamp: TimestampSpec,
    /// Excel sheet to read (the first when absent).
    #[serde(default)]
    pub sheet: Option<String>,
    /// Fields whose column a file may lack. Every other column named in `columns`
    /// must be in the file's header (a misspelt name fails the file up front instead
    /// of leaving the field empty in every row); a field with a default may lack its
    /// column too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<String>,
}

const PRESETS: &[(&str, &str)] = &[
    ("feige", include_str!("../presets/feige.toml")),
    ("qianniu", include_str!("../presets/qianniu.toml")),
    ("zendesk", include_str!("../presets/zendesk.toml")),
];

impl Mapping {
    pub fn parse(text: &str) -> Result<Mapping, MappingError> {
        let m: Mapping = toml::from_str(text)?;
        let known = fields(m.table);
        for f in m
            .columns
            .keys()
            .chain(m.defaults.keys())
            .chain(m.values.keys())
            .chain(m.optional.iter())
        {
            if !known.contains(&f.as_str()) {
                return Err(MappingError::UnknownField {
                    field: f.clone(),
                    table: m.table,
                    known: known.join(", "),
                });
            }
        }
        m.validate_timestamp()?;
        Ok(m)
    }

    fn validate_timestamp(&self) -> Result<(), MappingError> {
        self.timestamp
            .validate()
            .map_err(|reason| MappingError::BadTimestampFormat {
                mapping: self.name.clone(),
                format: self.timestamp.format.clone(),
                reason,
            })
    }

    /// The identity mapping of a canonical layout.
    pub fn canonical(table: Table) -> Mapping {
        Mapping {
            name: format!("kefu canonical {table}"),
            description: String::new(),
            table,
            columns: fields(table)
                .iter()
                .map(|f| (f.to_string(), Headers::One(f.to_string())))
                .collect(),
            values: BTreeMap::new(),
            defaults: BTreeMap::new(),
            timestamp: TimestampSpec::default(),
            sheet: None,
            // A canonical file carries the columns it has.
            optional: fields(table).iter().map(|f| f.to_string()).collect(),
        }
    }

    pub fn preset(name: &str) -> Result<Mapping, MappingError> {
        let text = PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                MappingError::UnknownPreset(name.into(), Self::preset_names().join(", "))
            })?;
        Self::parse(text)
    }

    pub fn preset_names() -> Vec<&'static str> {
        PRESETS.iter().map(|(n, _)| *n).collect()
    }

    /// Binds the mapping to a file's header. Fails when a required field has no
    /// column, when a column the mapping names is not in the header (unless its field
    /// is `optional` or has a default), or on a bad timestamp format.
    pub fn resolve(&self, header: &[String]) -> Result<Resolved, MappingError> {
        self.resolve_with(header, false)
    }

    /// Binds the mapping to the keys of a JSON line: like [`Mapping::resolve`], but
    /// an absent key is not an error (JSON lines leave out empty values).
    pub fn resolve_keys(&self, keys: &[String]) -> Result<Resolved, MappingError> {
        self.resolve_with(keys, true)
    }

    fn resolve_with(&self, header: &[String], absent_ok: bool) -> Result<Resolved, MappingError> {
        self.validate_timestamp()?;
        let norm: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
        let table_fields = fields(self.table);
        let mut cols = vec![None; table_fields.len()];
        for (i, f) in table_fields.iter().enumerate() {
            if let Some(h) = self.columns.get(*f) {
                cols[i] = h
                    .names()
                    .iter()
                    .find_map(|name| norm.iter().position(|n| *n == normalise_header(name)));
            }
        }
        let has = |f: &str| {
            let i = table_fields
                .iter()
                .position(|x| *x == f)
                .unwrap_or(usize::MAX);
            cols.get(i).copied().flatten().is_some() || self.defaults.contains_key(f)
        };
        let missing: Vec<String> = required(self.table)
            .iter()
            .filter(|alts| !alts.iter().any(|f| has(f)))
            .map(|alts| alts.join(" or "))
            .collect();
        if !missing.is_empty() {
            return Err(MappingError::MissingColumns {
                table: self.table,
                missing: missing.join(", "),
                header: header.join(","),
            });
        }
        if !absent_ok {
            for (i, f) in table_fields.iter().enumerate() {
                let Some(h) = self.columns.get(*f) else {
                    continue;
                };
                if cols[i].is_none()
                    && !self.defaults.contains_key(*f)
                    && !self.optional.iter().any(|o| o == f)
                {
                    return Err(MappingError::AbsentColumn {
                        mapping: self.name.clone(),
                        field: f.to_string(),
                        columns: h.quoted(),
                        header: header.join(","),
                    });
                }
            }
        }
        Ok(Resolved {
            mapping: self.clone(),
            fields: table_fields,
            cols,
            header: header.to_vec(),
        })
    }
}

/// Header names compare without case, surrounding space, BOM or full-width forms.
fn normalise_header(h: &str) -> String {
    crate::normalize::normalize_text(h.trim_start_matches('\u{feff}'))
        .trim()
        .to_lowercase()
}

/// A mapping bound to one header: field → column index.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub mapping: Mapping,
    fields: &'static [&'static str],
    cols: Vec<Option<usize>>,
    header: Vec<String>,
}

impl Resolved {
    /// The header name of a column.
    pub fn column_name(&self, i: usize) -> Option<&str> {
        self.header.get(i).map(String::as_str)
    }

    /// The value of a field in a row: the mapped column (trimmed, empty = absent),
    /// translated through `values`, or the mapping's default.
    pub fn get<'a>(&'a self, row: &'a [String], field: &str) -> Option<&'a str> {
        let i = self.fields.iter().position(|f| *f == field)?;
        let raw = self.cols[i]
            .and_then(|c| row.get(c))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        match raw {
            Some(v) => Some(
                self.mapping
                    .values
                    .get(field)
                    .and_then(|m| m.get(v))
                    .map(String::as_str)
                    .unwrap_or(v),
            ),
            None => self.mapping.defaults.get(field).map(String::as_str),
        }
    }

    pub fn table(&self) -> Table {
        self.mapping.table
    }
}

/// Header words users' exports use for each field, for `--suggest-mapping` and
/// table sniffing. Lower-case; compared after header normalisation.
fn synonyms(field: &str) -> &'static [&'static str] {
    match field {
        "message_id" => &["message_id", "消息id", "消息编号", "msg_id", "msgid"],
        "conversation_id" => &[
            "conversation_id",
            "会话id",
            "会话编号",
            "对话id",
            "session_id",
            "ticket id",
            "ticket_id",
            "id",
        ],
        "shop_id" => &["shop_id", "店铺id", "店铺", "店铺名称", "shop", "store"],
        "platform" => &["platform", "平台"],
        "channel" => &["channel", "渠道", "via", "来源渠道"],
        "ts" => &[
            "ts",
            "time",
            "timestamp",
            "发送时间",
            "时间",
            "消息时间",
            "评价时间",
            "created at",
            "created_at",
            "date",
        ],
        "sender" => &[
            "sender",
            "发送方",
            "发送人角色",
            "角色",
            "发送者类型",
            "author type",
        ],
        "agent_id" => &[
            "agent_id",
            "客服昵称",
            "客服",
            "客服账号",
            "接待客服",
            "assignee",
            "agent",
        ],
        "customer_id" => &[
            "customer_id",
            "买家昵称",
            "买家",
            "顾客",
            "客户",
            "用户id",
            "买家id",
            "requester",
            "customer",
        ],
        "text" => &[
            "text",
            "消息内容",
            "内容",
            "聊天内容",
            "评价内容",
            "comment",
            "body",
            "description",
            "message",
        ],
        "kind" => &["kind", "消息类型", "type"],
        "product_id" => &["product_id", "商品id", "商品", "商品编号", "product"],
        "order_id" => &["order_id", "订单号", "订单编号", "订单id"],
        "created_at" => &["created_at", "下单时间", "创建时间", "订单创建时间"],
        "paid_at" => &["paid_at", "付款时间", "支付时间"],
        "amount" => &["amount", "实付金额", "金额", "订单金额", "支付金额"],
        "status" => &["status", "订单状态", "状态"],
        "score" => &["score", "评分", "满意度", "评价结果", "satisfaction"],
        "scale" => &["scale", "量表"],
        "dimension" => &["dimension", "维度", "评价维度"],
        "comment" => &["comment", "评价内容", "留言", "备注"],
        "review_id" => &["review_id", "评价id", "评论id"],
        "rating" => &["rating", "星级", "评分", "stars"],
        _ => &[],
    }
}

/// Guesses the table and a mapping from a header, for `--suggest-mapping`.
/// Returns the mapping and, per field, the column it picked.
pub fn suggest(header: &[String]) -> Mapping {
    let norm: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
    let mut best: Option<(usize, Mapping)> = None;
    for table in Table::DATA {
        let mut columns = BTreeMap::new();
        let mut taken = vec![false; norm.len()];
        for f in fields(table) {
            if let Some(i) = synonyms(f)
                .iter()
                .find_map(|s| (0..norm.len()).find(|&i| !taken[i] && norm[i] == *s))
            {
                taken[i] = true;
                columns.insert(f.to_string(), Headers::One(header[i].trim().to_string()));
            }
        }
        let satisfied = required(table)
            .iter()
            .filter(|alts| alts.iter().any(|f| columns.contains_key(*f)))
            .count();
        let score = satisfied * 100 + columns.len();
        let m = Mapping {
            name: "suggested".into(),
            description: "Guessed from the header by kefu; check every line.".into(),
            table,
            columns,
            values: BTreeMap::new(),
            defaults: BTreeMap::new(),
            timestamp: TimestampSpec::default(),
            sheet: None,
            optional: Vec::new(),
        };
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, m));
        }
    }
    let mut m = best
        .map(|(_, m)| m)
        .unwrap_or_else(|| Mapping::canonical(Table::Messages));
    if m.table == Table::Messages {
        let sender_values: BTreeMap<String, String> = [
            ("买家", "customer"),
            ("顾客", "customer"),
            ("客服", "agent"),
            ("机器人", "bot"),
            ("自动回复", "bot"),
            ("系统", "system"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        m.values.insert("sender".into(), sender_values);
    }
    m
}

/// Picks the canonical table whose header this is, if any (header sniffing).
pub fn sniff_canonical(header: &[String]) -> Option<Table> {
    let norm: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
    let has = |f: &str| norm.iter().any(|h| h == f);
    // Most specific first: each table's distinguishing columns.
    if has("sender") && has("ts") {
        Some(Table::Messages)
    } else if has("order_id") && has("created_at") {
        Some(Table::Orders)
    } else if has("score") && has("ts") {
        Some(Table::Surveys)
    } else if (has("review_id") || has("rating")) && has("ts") {
        Some(Table::Reviews)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    #[test]
    fn presets_parse() {
        for n in Mapping::preset_names() {
            Mapping::preset(n).unwrap_or_else(|e| panic!("{n}: {e}"));
        }
    }

    #[test]
    fn resolve_reports_missing_required_columns() {
        let m = Mapping::canonical(Table::Messages);
        let err = m
            .resolve(&h("ts,text,customer_id"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("sender"), "{err}");
        assert!(m.resolve(&h("TS, Sender ,text,customer_id")).is_ok());
    }

    #[test]
    fn values_and_defaults_apply() {
        let m = Mapping::preset("feige").unwrap();
        let header = h("会话ID,发送时间,发送方,客服昵称,买家昵称,消息内容");
        let r = m.resolve(&header).unwrap();
        let row = h("c1,2026-11-11 10:00:00,买家,,buyer1,你好");
        assert_eq!(r.get(&row, "sender"), Some("customer"));
        assert_eq!(r.get(&row, "platform"), Some("douyin"));
        assert_eq!(r.get(&row, "agent_id"), None);
    }

    #[test]
    fn suggests_a_chat_mapping_from_chinese_headers() {
        let m = suggest(&h("会话ID,发送时间,发送方,客服昵称,消息内容,买家昵称"));
        assert_eq!(m.table, Table::Messages);
        assert_eq!(m.columns.get("ts"), Some(&Headers::One("发送时间".into())));
        assert_eq!(
            m.columns.get("text"),
            Some(&Headers::One("消息内容".into()))
        );
        let orders = suggest(&h("订单号,下单时间,付款时间,实付金额,买家昵称"));
        assert_eq!(orders.table, Table::Orders);
    }

    #[test]
    fn sniffs_canonical_tables() {
        assert_eq!(
            sniff_canonical(&h("ts,sender,text,customer_id")),
            Some(Table::Messages)
        );
        assert_eq!(
            sniff_canonical(&h(
                "order_id,shop_id,customer_id,product_id,created_at,paid_at,amount,status"
            )),
            Some(Table::Orders)
        );
        assert_eq!(
            sniff_canonical(&h(
                "conversation_id,customer_id,agent_id,ts,score,scale,dimension,comment"
            )),
            Some(Table::Surveys)
        );
        assert_eq!(
            sniff_canonical(&h(
                "review_id,shop_id,product_id,customer_id,ts,rating,text"
            )),
            Some(Table::Reviews)
        );
        assert_eq!(sniff_canonical(&h("a,b")), None);
    }
}
