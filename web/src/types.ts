// Shapes of the kefu HTTP API v1 (crates/kefu-server/API.md). Any number may be
// null when there is nothing to measure.

export type Num = number | null;

export interface Meta {
  shops: { id: string; timezone: string }[];
  channels: string[];
  agents: string[];
  categories: string[];
  date_range: { from: string | null; to: string | null };
}

export interface Summary {
  n: number;
  mean: Num;
  p50: Num;
  p90: Num;
}

export interface Body {
  volume: {
    conversations: number;
    customers: number;
    customer_messages: number;
    agent_messages: number;
    bot_messages: number;
  };
  response: {
    frt_secs: Summary;
    frt_unanswered: number;
    response_secs: Summary;
    rounds: { human: number; bot: number; unanswered: number };
    within: Record<string, Num>;
    three_min_rate: Num;
    not_served_rate: Num;
    answer_ratio: Num;
  };
  resolution: {
    resolved: number;
    rate: Num;
    one_touch_rate: Num;
    reopen_rate: Num;
    time_secs: Summary;
  };
  satisfaction: {
    responses: number;
    csat_pct: Num;
    dissatisfied_pct: Num;
    mean: Num;
    response_rate: Num;
    distribution: Record<string, number>;
    nps: Num;
    nps_responses: number;
    by_dimension: Record<string, { responses: number; csat_pct: Num; dissatisfied_pct: Num; mean: Num }>;
  };
  conversion: {
    inquiries: number;
    converted: number;
    rate: Num;
    avg_order_value: Num;
    order_amount: number;
  };
  /** How customers felt (METRICS.md conversation sentiment); absent in old stores. */
  sentiment?: {
    conversations: number;
    negative: number;
    negative_rate: Num;
    ended_negative: number;
    ended_negative_rate: Num;
    complaints: number;
    complaint_rate: Num;
    replies_to_negative: number;
    calmed: number;
    calmed_rate: Num;
    after_reply_mean: Num;
  };
}

export interface Overview extends Body {
  period: { from: string | null; to: string | null; tz: string; cohort: string };
}

/**
 * Every metric `/api/v1/series?metric=` takes: the server's metric declarations
 * (kefu-analytics `metrics.rs`). A Rust test checks this list against the OpenAPI
 * document, so a metric added there fails until it is added here.
 */
export type SeriesMetric =
  | 'conversations'
  | 'customers'
  | 'customer_messages'
  | 'agent_messages'
  | 'frt_p50'
  | 'frt_mean'
  | 'response_p50'
  | 'three_min_rate'
  | 'not_served_rate'
  | 'resolution_rate'
  | 'one_touch_rate'
  | 'reopen_rate'
  | 'csat_pct'
  | 'dissatisfied_pct'
  | 'survey_response_rate'
  | 'conversion_rate'
  | 'inquiries'
  | 'sentiment_mean'
  | 'negative_share';

/** The grains of `/api/v1/series` (checked against the OpenAPI document too). */
export type SeriesGrain = 'hour' | 'day' | 'week' | 'month' | 'hour_of_day';

export interface Series {
  metric: SeriesMetric;
  grain: SeriesGrain;
  points: { t: string; value: Num }[];
}

export interface Heatmap {
  metric: string;
  weekdays: string[];
  cells: Num[][];
}

/** The duration distributions of `/api/v1/distribution` (checked against OpenAPI). */
export type DistributionMetric = 'frt' | 'response';

export interface Distribution {
  metric: DistributionMetric;
  buckets: { label: string; lo: Num; hi: Num; count: number }[];
}

export interface Breakdown {
  by: string;
  rows: (Body & { key: string })[];
}

export interface Complaints {
  categories: { category: string; conversations: number; share: Num; negative_share: Num }[];
  sentiment: { t: string; mean: Num; negative_share: Num; messages: number }[];
  keywords: { word: string; weight: number; count: number }[];
  negative_share: Num;
  urgent_messages: number;
  urgent: { conversation_id: string; ts: string; shop_id: string; text: string; categories: string[] }[];
  survey_comments: { category: string; comments: number; share: Num; mean_score: Num }[];
  intents?: { intent: string; messages: number; share: Num; by_hour: number[]; by_agent: [string, number][]; by_product: [string, number][] }[];
}

/** `/api/v1/spam`: what was flagged as spam and left out of the KPIs. */
export interface Spam {
  messages: number;
  reviews: number;
  surveys: number;
  included: boolean;
  items: { table: string; shop_id: string; id: string; conversation_id: string | null; ts: string; text: string; reason: string }[];
}

export interface ConversationRow {
  conversation_id: string;
  cycle: number;
  shop_id: string;
  channel: string;
  platform: string;
  customer: string;
  start: string;
  end: string;
  first_agent: string | null;
  last_agent: string | null;
  frt_secs: Num;
  rounds_human: number;
  rounds_unanswered: number;
  resolved: boolean;
  csat: Num;
  converted: boolean;
  categories: string[];
}

export interface ConversationList {
  total: number;
  rows: ConversationRow[];
}

export interface Message {
  ts: string;
  sender: 'customer' | 'agent' | 'bot' | 'system';
  agent_id: string | null;
  text: string;
  kind: string;
  categories: string[];
  sentiment: Num;
}

export interface Transcript {
  conversation: ConversationRow;
  messages: Message[];
}

/** One metric of `/api/v1/compare` (every change is b − a). */
export interface MetricChange {
  metric: string;
  kind: 'rate' | 'duration' | 'mean' | 'nps' | 'count';
  a: { n: number; x?: number; rate?: number; ci?: [number, number]; median?: number; mean?: number; score?: number; total?: number };
  b: MetricChange['a'];
  change: Num;
  relative_change: Num;
  test: string | null;
  statistic: Num;
  p_value: Num;
  q_value: Num;
  effect_size: Num;
  ci: [number, number] | null;
  shift?: number;
  significant: boolean;
  verdict?: 'better' | 'worse' | 'neutral';
  no_test?: string;
  summary: string;
}

export interface Comparison {
  a: { from: string | null; to: string | null; days: number | null };
  b: Comparison['a'];
  alpha: number;
  by: string | null;
  metrics: MetricChange[];
  breakdown: { key: string; metrics: MetricChange[] }[];
}

/** `/api/v1/drivers`. */
export interface Drivers {
  outcome: string;
  n: number;
  events: number;
  alpha: number;
  reference_levels: Record<string, string>;
  pooled: Record<string, string[]>;
  terms: { term: string; family: string; estimate: number; std_error: number; odds_ratio: number; ci: [number, number]; p_value: number; significant: boolean; summary: string }[];
  dropped: { term: string; reason: string }[];
  pseudo_r2: number;
  drivers: { family: string; terms: string[]; df: number; deviance: number; p_value: Num; share: Num; summary: string }[];
}

/** `/api/v1/anomalies`: points that stand out from their seasonal baseline. */
export interface Anomaly {
  metric: string;
  grain: 'hour' | 'day';
  /** `2025-11-12 20` (hour) or `2025-11-12` (day), as series write it. */
  t: string;
  observed: number;
  expected: number;
  lower: number;
  upper: number;
  score: number;
  direction: 'up' | 'down';
  kind: 'spike' | 'level_shift';
  length: number;
  explanation: string;
}

export interface AnomalyBand {
  metric: string;
  grain: 'hour' | 'day';
  points: { t: string; observed: Num; expected: Num; lower: Num; upper: Num }[];
}

export interface Anomalies {
  from: string | null;
  to: string | null;
  series: string[];
  anomalies: Anomaly[];
  bands?: AnomalyBand[];
}
