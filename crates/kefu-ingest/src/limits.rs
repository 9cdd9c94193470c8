//! What one input may cost: caps on fields, rows, workbooks and e-mails, so a hostile
//! or broken file is quarantined or refused with a reason instead of taking the
//! machine's memory. The defaults are the constants below; [`IngestLimits`] (in
//! [`IngestOptions`](crate::IngestOptions)) carries them, so a caller or a test can
//! tighten or loosen them for one ingest.

/// A field (CSV, JSON lines or Excel cell, measured as UTF-8) above this is refused:
/// its row is quarantined as "field over N bytes".
pub const MAX_FIELD_BYTES: usize = 1 << 20;
/// A CSV record or JSON line above this is not kept in memory: the row is
/// quarantined ("row over N bytes") while the reader skips to its end.
pub const MAX_ROW_BYTES: usize = 16 << 20;
/// A CSV record with more fields than this is quarantined ("row over N fields").
pub const MAX_ROW_FIELDS: usize = 100_000;
/// The declared uncompressed size of all entries of a workbook's zip together.
pub const MAX_XLSX_UNCOMPRESSED_BYTES: u64 = 1 << 30;
/// The uncompressed : compressed ratio above which an entry is taken for a zip bomb,
/// when it unpacks to more than [`XLSX_RATIO_MIN_ENTRY_BYTES`] (small XML files
/// compress far better than this and are harmless).
pub const MAX_XLSX_RATIO: u64 = 100;
pub const XLSX_RATIO_MIN_ENTRY_BYTES: u64 = 4 << 20;
/// Shared strings of an xlsx (calamine keeps them all in memory): both the
/// `count`/`uniqueCount` attributes and the `<si>` elements actually present.
pub const MAX_XLSX_SHARED_STRINGS: u64 = 5_000_000;
/// One e-mail message (an `.eml` file or one message of an mbox).
pub const MAX_EMAIL_BYTES: u64 = 25 << 20;
/// MIME parts of one message, nested messages included.
pub const MAX_EMAIL_PARTS: usize = 1000;
/// Decoded bodies of all parts of one message together.
pub const MAX_EMAIL_DECODED_BYTES: u64 = 25 << 20;

/// The limits of one ingest (defaults: the constants of this module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestLimits {
    pub max_field_bytes: usize,
    pub max_row_bytes: usize,
    pub max_row_fields: usize,
    pub max_xlsx_uncompressed_bytes: u64,
    pub max_xlsx_ratio: u64,
    pub xlsx_ratio_min_entry_bytes: u64,
    pub max_xlsx_shared_strings: u64,
    pub max_email_bytes: u64,
    pub max_email_parts: usize,
    pub max_email_decoded_bytes: u64,
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits {
            max_field_bytes: MAX_FIELD_BYTES,
            max_row_bytes: MAX_ROW_BYTES,
            max_row_fields: MAX_ROW_FIELDS,
            max_xlsx_uncompressed_bytes: MAX_XLSX_UNCOMPRESSED_BYTES,
            max_xlsx_ratio: MAX_XLSX_RATIO,
            xlsx_ratio_min_entry_bytes: XLSX_RATIO_MIN_ENTRY_BYTES,
            max_xlsx_shared_strings: MAX_XLSX_SHARED_STRINGS,
            max_email_bytes: MAX_EMAIL_BYTES,
            max_email_parts: MAX_EMAIL_PARTS,
            max_email_decoded_bytes: MAX_EMAIL_DECODED_BYTES,
        }
    }
}

/// A byte count for messages: "1 MiB", "25 MiB", "1 GiB", else "N bytes".
pub fn bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_counts_read_well() {
        assert_eq!(super::bytes(1 << 20), "1 MiB");
        assert_eq!(super::bytes(25 << 20), "25 MiB");
        assert_eq!(super::bytes(1 << 30), "1 GiB");
        assert_eq!(super::bytes(1000), "1000 bytes");
    }
}
