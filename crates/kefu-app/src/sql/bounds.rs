//! Bounds on user SQL beyond parsing: a memory pool per query, functions that grow a
//! value without bound refused past a size, the rows and bytes an answer may hold,
//! how many run at once, and a runtime of their own so that a query past its
//! deadline is answered at once and stops at its next yield, while the server's own
//! threads keep answering (`/healthz`).

use crate::{AppError, AppResult};
use arrow::array::{Array, ArrayRef, Int64Array};
use arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::prelude::SessionContext;
use std::num::NonZeroUsize;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The limits one user query runs under.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// The most rows kept (more are dropped and the answer says truncated).
    pub rows: Option<usize>,
    /// The deadline: the answer is a timeout and the work is cancelled.
    pub timeout: Option<Duration>,
    /// The most bytes (Arrow) an answer may hold; more is an error, not a cut.
    pub result_bytes: Option<usize>,
    /// DataFusion's memory pool for the query (sorts, joins, aggregates).
    pub memory_bytes: Option<usize>,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits::NONE
    }
}

impl QueryLimits {
    /// No limit: the CLI, where the user runs their own machine.
    pub const NONE: QueryLimits = QueryLimits {
        rows: None,
        timeout: None,
        result_bytes: None,
        memory_bytes: None,
    };

    /// What a request to the API may use: two of these at once stay under 1 GiB.
    pub const API: QueryLimits = QueryLimits {
        rows: Some(10_000),
        timeout: Some(Duration::from_secs(10)),
        result_bytes: Some(32 << 20),
        memory_bytes: Some(256 << 20),
    };
}

/// User queries running at once in one process; more wait up to [`SLOT_WAIT`].
pub const SQL_SLOTS: usize = 2;
/// How long a query waits for a slot before it is told the server is busy.
pub const SLOT_WAIT: Duration = Duration::from_secs(2);
/// The most bytes one call of a value-growing function (`repeat`, `lpad`, …) may
/// make for one batch of rows.
pub const MAX_GROWN_BYTES: u64 = 64 << 20;

/// One slot of [`SQL_SLOTS`]: a runtime of its own (two threads apart from the
/// server's), so that a query that does not yield for a long while — a cross join
/// between two of its batches — holds up only its own slot.
struct Slots {
    runtimes: Vec<tokio::runtime::Runtime>,
    free: std::sync::Mutex<Vec<usize>>,
    permits: Arc<tokio::sync::Semaphore>,
}

fn slots() -> &'static Slots {
    static S: OnceLock<Slots> = OnceLock::new();
    S.get_or_init(|| Slots {
        runtimes: (0..SQL_SLOTS)
            .map(|i| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name(format!("kefu-sql-{i}"))
                    .enable_all()
                    .build()
                    .expect("the SQL runtime starts")
            })
            .collect(),
        free: std::sync::Mutex::new((0..SQL_SLOTS).collect()),
        permits: Arc::new(tokio::sync::Semaphore::new(SQL_SLOTS)),
    })
}

/// A slot taken: given back when the query's task ends — not when its request
/// stops waiting — so a query cancelled at its deadline keeps its slot until it
/// has really stopped.
struct Slot {
    index: usize,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut free = slots().free.lock().unwrap_or_else(|p| p.into_inner());
        free.push(self.index);
    }
}

/// Aborts the task when the request that waits for it goes away.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);
impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `work` under `limits`: on the SQL runtime in one of its slots, cancelled at
/// the deadline. Without a deadline it simply runs here.
pub async fn bounded<T, F>(limits: QueryLimits, work: F) -> AppResult<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = AppResult<T>> + Send + 'static,
{
    let Some(deadline) = limits.timeout else {
        return work.await;
    };
    let all = slots();
    let permit = tokio::time::timeout(SLOT_WAIT, all.permits.clone().acquire_owned())
        .await
        .map_err(|_| {
            AppError::Busy(format!(
                "{SQL_SLOTS} queries are running already; try again in a moment"
            ))
        })?
        .map_err(|e| AppError::Internal(e.into()))?;
    let index = all
        .free
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a permit without a free slot")))?;
    let slot = Slot {
        index,
        _permit: permit,
    };
    let mut task = AbortOnDrop(all.runtimes[index].spawn(async move {
        let _slot = slot;
        work.await
    }));
    match tokio::time::timeout(deadline, &mut task.0).await {
        Ok(joined) => joined.map_err(|e| AppError::Internal(e.into()))?,
        Err(_) => Err(AppError::Timeout(format!(
            "the query ran over {} s and was stopped",
            deadline.as_secs()
        ))),
    }
}

/// A context over the same tables as `ctx`, with its own memory pool and the
/// value-growing functions capped.
pub fn bounded_context(ctx: &SessionContext, limits: QueryLimits) -> AppResult<SessionContext> {
    let Some(bytes) = limits.memory_bytes else {
        return Ok(ctx.clone());
    };
    let state = ctx.state();
    let pool = TrackConsumersPool::new(
        GreedyMemoryPool::new(bytes),
        NonZeroUsize::new(3).expect("3 > 0"),
    );
    let runtime = RuntimeEnvBuilder::from_runtime_env(state.runtime_env())
        .with_memory_pool(Arc::new(pool))
        .build_arc()?;
    let bounded = SessionContext::new_with_state(
        SessionStateBuilder::new_from_existing(state)
            .with_runtime_env(runtime)
            .build(),
    );
    for (name, grow) in GROWERS {
        if let Ok(inner) = bounded.udf(name) {
            let signature = Signature {
                volatility: Volatility::Volatile,
                ..inner.signature().clone()
            };
            bounded.register_udf(ScalarUDF::new_from_impl(Capped {
                inner: (*inner).clone(),
                grow: *grow,
                signature,
            }));
        }
    }
    Ok(bounded)
}

/// How a function's output grows with its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Grow {
    /// `repeat(s, n)`: the string's bytes times n.
    Repeat,
    /// `lpad(s, n)`, `rpad(s, n)`: n characters of up to 4 bytes.
    Pad,
    /// `array_repeat(x, n)`: n elements.
    Elements,
    /// `range(stop)`, `range(start, stop[, step])` over integers: that many elements.
    Range,
}

const GROWERS: &[(&str, Grow)] = &[
    ("repeat", Grow::Repeat),
    ("lpad", Grow::Pad),
    ("rpad", Grow::Pad),
    ("array_repeat", Grow::Elements),
    ("range", Grow::Range),
    ("generate_series", Grow::Range),
];

/// A built-in function, refused when one call would make more than
/// [`MAX_GROWN_BYTES`].
#[derive(Debug, PartialEq, Eq, Hash)]
struct Capped {
    inner: ScalarUDF,
    grow: Grow,
    /// The inner signature made volatile, so that a call on literals is not folded
    /// into one constant at plan time and then copied onto every row unchecked.
    signature: Signature,
}

fn int64s(v: &ColumnarValue, rows: usize) -> DfResult<Option<Int64Array>> {
    let a: ArrayRef = v.to_array(rows)?;
    if !a.data_type().is_integer() {
        return Ok(None);
    }
    let a = arrow::compute::cast(&a, &DataType::Int64)?;
    Ok(a.as_any().downcast_ref::<Int64Array>().cloned())
}

fn string_bytes(v: &ColumnarValue, rows: usize) -> DfResult<Option<Int64Array>> {
    let a = v.to_array(rows)?;
    let Ok(len) = arrow::compute::kernels::length::length(&a) else {
        return Ok(None);
    };
    int64s(&ColumnarValue::Array(len), rows)
}

fn value(a: &Int64Array, i: usize) -> u64 {
    if a.is_null(i) {
        0
    } else {
        a.value(i).max(0) as u64
    }
}

impl Capped {
    /// An upper bound of the bytes this call makes (None: not estimated).
    fn estimate(&self, args: &ScalarFunctionArgs) -> DfResult<Option<u64>> {
        let rows = args.number_rows.max(1);
        let a = &args.args;
        let total = |f: &dyn Fn(usize) -> u64| (0..rows).fold(0u64, |t, i| t.saturating_add(f(i)));
        Ok(match self.grow {
            Grow::Repeat if a.len() >= 2 => {
                match (string_bytes(&a[0], rows)?, int64s(&a[1], rows)?) {
                    (Some(s), Some(n)) => {
                        Some(total(&|i| value(&s, i).saturating_mul(value(&n, i))))
                    }
                    _ => None,
                }
            }
            Grow::Pad if a.len() >= 2 => {
                int64s(&a[1], rows)?.map(|n| total(&|i| value(&n, i).saturating_mul(4)))
            }
            Grow::Elements if a.len() >= 2 => {
                int64s(&a[1], rows)?.map(|n| total(&|i| value(&n, i).saturating_mul(16)))
            }
            Grow::Range => {
                let ints: Vec<Option<Int64Array>> =
                    a.iter().map(|v| int64s(v, rows)).collect::<DfResult<_>>()?;
                if ints.iter().any(Option::is_none) || ints.is_empty() {
                    return Ok(None);
                }
                let ints: Vec<Int64Array> = ints.into_iter().flatten().collect();
                let get = |k: usize, i: usize| {
                    if ints[k].is_null(i) {
                        0i64
                    } else {
                        ints[k].value(i)
                    }
                };
                Some(total(&|i| {
                    let (start, stop, step) = match ints.len() {
                        1 => (0, get(0, i), 1),
                        2 => (get(0, i), get(1, i), 1),
                        _ => (get(0, i), get(1, i), get(2, i)),
                    };
                    let span = (stop as i128 - start as i128).unsigned_abs();
                    let step = (step as i128).unsigned_abs().max(1);
                    u64::try_from(span / step)
                        .unwrap_or(u64::MAX)
                        .saturating_mul(8)
                }))
            }
            _ => None,
        })
    }
}

impl ScalarUDFImpl for Capped {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        self.inner.return_type(arg_types)
    }
    fn return_field_from_args(
        &self,
        args: ReturnFieldArgs,
    ) -> DfResult<arrow::datatypes::FieldRef> {
        self.inner.return_field_from_args(args)
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        if let Some(bytes) = self.estimate(&args)?
            && bytes > MAX_GROWN_BYTES
        {
            return Err(DataFusionError::ResourcesExhausted(format!(
                "{}() would make {} MiB for {} rows, over the limit of {} MiB: ask for less",
                self.name(),
                bytes >> 20,
                args.number_rows,
                MAX_GROWN_BYTES >> 20
            )));
        }
        self.inner.invoke_with_args(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    async fn run(ctx: &SessionContext, sql: &str) -> DfResult<usize> {
        let mut s = ctx.sql(sql).await?.execute_stream().await?;
        let mut n = 0;
        while let Some(b) = s.next().await {
            n += b?.num_rows();
        }
        Ok(n)
    }

    #[tokio::test]
    async fn growing_functions_are_capped_and_small_calls_still_work() {
        let ctx = bounded_context(&SessionContext::new(), QueryLimits::API).unwrap();
        assert_eq!(run(&ctx, "SELECT repeat('ab', 3) AS x").await.unwrap(), 1);
        let got = ctx
            .sql("SELECT repeat('ab', 3) AS x, lpad('7', 3, '0') AS y")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let b = &got[0];
        let s = |c: usize| {
            arrow::array::cast::as_string_array(b.column(c))
                .value(0)
                .to_string()
        };
        assert_eq!((s(0), s(1)), ("ababab".to_string(), "007".to_string()));
        for bomb in [
            "SELECT repeat('x', 10000000) FROM (VALUES (1),(2),(3),(4),(5),(6),(7)) t(a)",
            "SELECT lpad('x', 100000000)",
            "SELECT array_repeat(1, 100000000)",
            "SELECT range(0, 1000000000000)",
        ] {
            let e = run(&ctx, bomb).await.unwrap_err().to_string();
            assert!(e.contains("over the limit"), "{bomb}: {e}");
        }
    }

    #[tokio::test]
    async fn a_query_over_its_memory_pool_fails_cleanly() {
        let limits = QueryLimits {
            memory_bytes: Some(1 << 20),
            ..QueryLimits::API
        };
        let ctx = bounded_context(&SessionContext::new(), limits).unwrap();
        let e = run(
            &ctx,
            "SELECT v, count(*) FROM (SELECT unnest(range(0, 2000000)) AS v) GROUP BY v ORDER BY v",
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)),
            "{e}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_deadline_stops_the_work_and_answers_at_once() {
        let limits = QueryLimits {
            timeout: Some(Duration::from_millis(300)),
            ..QueryLimits::API
        };
        let t = std::time::Instant::now();
        let r = bounded(limits, async {
            let ctx = SessionContext::new();
            // A cross join of 10^12 rows: hours of work.
            let n = run(
                &ctx,
                "SELECT count(*) FROM (SELECT unnest(range(0, 1000000)) a) x, (SELECT unnest(range(0, 1000000)) b) y",
            )
            .await?;
            Ok(n)
        })
        .await;
        assert!(matches!(r, Err(AppError::Timeout(_))), "{:?}", r.is_ok());
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    }
}
