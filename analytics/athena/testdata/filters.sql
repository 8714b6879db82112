-- bedrock-usage: Bedrock usage at the report grain, for one region's invocation logs.
-- Parameters in order: requestMetadata keys (each twice), first and last delivery-hour partition,
-- range start and end (ISO 8601, end excluded), then filter values.
WITH calls AS (
  SELECT
    CASE WHEN "schematype" = 'ModelInvocationLog' AND NOT (coalesce("input"."inputtokencount", 0) NOT BETWEEN 0 AND 1000000000000 OR coalesce("output"."outputtokencount", 0) NOT BETWEEN 0 AND 1000000000000 OR coalesce("input"."cachereadinputtokencount", 0) NOT BETWEEN 0 AND 1000000000000 OR coalesce("input"."cachewriteinputtokencount", 0) NOT BETWEEN 0 AND 1000000000000) THEN try(from_iso8601_timestamp("timestamp")) END AS ts,
    CASE
      WHEN "schematype" = 'ModelInvocationLog' AND NOT (coalesce("input"."inputtokencount", 0) NOT BETWEEN 0 AND 1000000000000 OR coalesce("output"."outputtokencount", 0) NOT BETWEEN 0 AND 1000000000000 OR coalesce("input"."cachereadinputtokencount", 0) NOT BETWEEN 0 AND 1000000000000 OR coalesce("input"."cachewriteinputtokencount", 0) NOT BETWEEN 0 AND 1000000000000) THEN 'record'
      WHEN "schematype" = 'ModelInvocationLog' THEN 'count_out_of_range'
      WHEN "schematype" IS NULL
        AND "schemaversion" IS NULL
        AND "timestamp" IS NULL
        AND "accountid" IS NULL
        AND "identity" IS NULL
        AND "region" IS NULL
        AND "requestid" IS NULL
        AND "operation" IS NULL
        AND "modelid" IS NULL
        AND "input" IS NULL
        AND "output" IS NULL
        AND "errorcode" IS NULL
        AND "inferenceregion" IS NULL
        AND "requestmetadata" IS NULL THEN 'malformed_line'
      ELSE 'other_record'
    END AS line_kind,
    coalesce("region", '') AS region,
    coalesce("accountid", '') AS account,
    coalesce("identity"."arn", '') AS arn,
    coalesce("modelid", '') AS model,
    coalesce("operation", '') AS operation,
    coalesce("errorcode", '') AS error_code,
    coalesce("inferenceregion", '') AS inference_region,
    coalesce("input"."inputtokencount", 0) AS in_tok,
    coalesce("output"."outputtokencount", 0) AS out_tok,
    coalesce("input"."cachereadinputtokencount", 0) AS cr_tok,
    coalesce("input"."cachewriteinputtokencount", 0) AS cw_tok,
    NULLIF(regexp_extract(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*("[cC][aA][cC][hH][eE][dD][eE][tT][aA][iI][lL][sS]"[ \t\n\r]*:[ \t\n\r]*\[[ \t\n\r]*((\{[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"1h"[ \t\n\r]*,[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*\}|\{[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"1h"[ \t\n\r]*\})|(\{[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"5m"[ \t\n\r]*,[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*\}|\{[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"5m"[ \t\n\r]*\})|(\{[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"1h"[ \t\n\r]*,[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*\}|\{[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"1h"[ \t\n\r]*\})[ \t\n\r]*,[ \t\n\r]*(\{[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"5m"[ \t\n\r]*,[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*\}|\{[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"5m"[ \t\n\r]*\})|(\{[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"5m"[ \t\n\r]*,[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*\}|\{[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"5m"[ \t\n\r]*\})[ \t\n\r]*,[ \t\n\r]*(\{[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"1h"[ \t\n\r]*,[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*\}|\{[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"1h"[ \t\n\r]*\})|)[ \t\n\r]*\]|"[cC][aA][cC][hH][eE]_[cC][rR][eE][aA][tT][iI][oO][nN]"[ \t\n\r]*:[ \t\n\r]*\{[ \t\n\r]*("[eE][pP][hH][eE][mM][eE][rR][aA][lL]_5[mM]_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[eE][pP][hH][eE][mM][eE][rR][aA][lL]_1[hH]_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+|"[eE][pP][hH][eE][mM][eE][rR][aA][lL]_1[hH]_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[eE][pP][hH][eE][mM][eE][rR][aA][lL]_5[mM]_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+|"[eE][pP][hH][eE][mM][eE][rR][aA][lL]_5[mM]_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+|"[eE][pP][hH][eE][mM][eE][rR][aA][lL]_1[hH]_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+)[ \t\n\r]*\})'), '') AS ttl_split,
    coalesce(NULLIF(regexp_extract(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[sS][eE][rR][vV][iI][cC][eE][tT][iI][eE][rR]"[ \t\n\r]*:[ \t\n\r]*\{[ \t\n\r]*"[tT][yY][pP][eE]"[ \t\n\r]*:[ \t\n\r]*"(priority|default|flex|reserved)"[ \t\n\r]*\}', 1), ''), '') AS service_tier,
    coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[cC][oO][nN][tT][eE][nN][tT][pP][oO][lL][iI][cC][yY][uU][nN][iI][tT][sS]"[ \t\n\r]*:[ \t\n\r]*([0-9]+)[ \t\n\r]*[,}]', 1), BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)), 0) AS gr_content,
    coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[cC][oO][nN][tT][eE][nN][tT][pP][oO][lL][iI][cC][yY][iI][mM][aA][gG][eE][uU][nN][iI][tT][sS]"[ \t\n\r]*:[ \t\n\r]*([0-9]+)[ \t\n\r]*[,}]', 1), BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)), 0) AS gr_content_image,
    coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[tT][oO][pP][iI][cC][pP][oO][lL][iI][cC][yY][uU][nN][iI][tT][sS]"[ \t\n\r]*:[ \t\n\r]*([0-9]+)[ \t\n\r]*[,}]', 1), BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)), 0) AS gr_topic,
    coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[wW][oO][rR][dD][pP][oO][lL][iI][cC][yY][uU][nN][iI][tT][sS]"[ \t\n\r]*:[ \t\n\r]*([0-9]+)[ \t\n\r]*[,}]', 1), BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)), 0) AS gr_word,
    coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[sS][eE][nN][sS][iI][tT][iI][vV][eE][iI][nN][fF][oO][rR][mM][aA][tT][iI][oO][nN][pP][oO][lL][iI][cC][yY][uU][nN][iI][tT][sS]"[ \t\n\r]*:[ \t\n\r]*([0-9]+)[ \t\n\r]*[,}]', 1), BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)), 0) AS gr_pii,
    coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[sS][eE][nN][sS][iI][tT][iI][vV][eE][iI][nN][fF][oO][rR][mM][aA][tT][iI][oO][nN][pP][oO][lL][iI][cC][yY][fF][rR][eE][eE][uU][nN][iI][tT][sS]"[ \t\n\r]*:[ \t\n\r]*([0-9]+)[ \t\n\r]*[,}]', 1), BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)), 0) AS gr_pii_free,
    coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[cC][oO][nN][tT][eE][xX][tT][uU][aA][lL][gG][rR][oO][uU][nN][dD][iI][nN][gG][pP][oO][lL][iI][cC][yY][uU][nN][iI][tT][sS]"[ \t\n\r]*:[ \t\n\r]*([0-9]+)[ \t\n\r]*[,}]', 1), BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)), 0) AS gr_grounding,
    coalesce(try(reduce(regexp_extract_all(coalesce("output"."outputbodyjson", ''), '[{,][ \t\n\r]*"[aA][uU][tT][oO][mM][aA][tT][eE][dD][rR][eE][aA][sS][oO][nN][iI][nN][gG][pP][oO][lL][iI][cC][yY][uU][nN][iI][tT][sS]"[ \t\n\r]*:[ \t\n\r]*([0-9]+)[ \t\n\r]*[,}]', 1), BIGINT '0', (s, x) -> s + CAST(x AS bigint), s -> s)), 0) AS gr_automated_reasoning
  FROM "bedrock_analytics"."bedrock_invocation_logs"
  WHERE "dt" BETWEEN ? AND ?
    AND "$path" NOT LIKE ('%/' || "dt" || '/data/%')
),
splits AS (
  SELECT *,
    try(CAST(coalesce(NULLIF(regexp_extract(regexp_extract(ttl_split, '"[eE][pP][hH][eE][mM][eE][rR][aA][lL]_1[hH]_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+|\{[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"1h"[ \t\n\r]*,[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*\}|\{[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"1h"[ \t\n\r]*\}'), '"([iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]|[eE][pP][hH][eE][mM][eE][rR][aA][lL]_[0-9a-z]+_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS])"[ \t\n\r]*:[ \t\n\r]*([0-9]+)', 2), ''), '0') AS bigint)) AS ttl_1h,
    try(CAST(coalesce(NULLIF(regexp_extract(regexp_extract(ttl_split, '"[eE][pP][hH][eE][mM][eE][rR][aA][lL]_5[mM]_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+|\{[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"5m"[ \t\n\r]*,[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*\}|\{[ \t\n\r]*"[iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*,[ \t\n\r]*"[tT][tT][lL]"[ \t\n\r]*:[ \t\n\r]*"5m"[ \t\n\r]*\}'), '"([iI][nN][pP][uU][tT][tT][oO][kK][eE][nN][sS]|[eE][pP][hH][eE][mM][eE][rR][aA][lL]_[0-9a-z]+_[iI][nN][pP][uU][tT]_[tT][oO][kK][eE][nN][sS])"[ \t\n\r]*:[ \t\n\r]*([0-9]+)', 2), ''), '0') AS bigint)) AS ttl_5m
  FROM calls
)
SELECT
  CAST(date_trunc('hour', ts AT TIME ZONE 'UTC') AS timestamp) AS hour,
  region, account, arn, model, operation, error_code, inference_region,
  in_tok + cr_tok + cw_tok > 200000 AS long_context,
  in_tok + cr_tok + cw_tok > 100000 AS over_100k,
  service_tier,
  line_kind,
  count(*) AS calls,
  CAST(sum(in_tok) AS bigint) AS input_tokens,
  CAST(sum(out_tok) AS bigint) AS output_tokens,
  CAST(sum(cr_tok) AS bigint) AS cache_read_tokens,
  CAST(sum(cw_tok) AS bigint) AS cache_write_tokens,
  CAST(sum(CASE WHEN ttl_split IS NOT NULL AND try(ttl_1h + ttl_5m) = cw_tok THEN ttl_1h ELSE 0 END) AS bigint) AS cache_write_1h_tokens,
  CAST(sum(CASE WHEN ttl_split IS NOT NULL AND try(ttl_1h + ttl_5m) = cw_tok THEN 0 ELSE cw_tok END) AS bigint) AS cache_write_ttl_unknown_tokens,
  CAST(sum(gr_content) AS bigint) AS guardrail_content_units,
  CAST(sum(gr_content_image) AS bigint) AS guardrail_content_image_units,
  CAST(sum(gr_topic) AS bigint) AS guardrail_topic_units,
  CAST(sum(gr_word) AS bigint) AS guardrail_word_units,
  CAST(sum(gr_pii) AS bigint) AS guardrail_pii_units,
  CAST(sum(gr_pii_free) AS bigint) AS guardrail_pii_free_units,
  CAST(sum(gr_grounding) AS bigint) AS guardrail_grounding_units,
  CAST(sum(gr_automated_reasoning) AS bigint) AS guardrail_automated_reasoning_units
FROM splits
WHERE ts IS NULL
  OR (ts >= from_iso8601_timestamp(?) AND ts < from_iso8601_timestamp(?)
    AND region IN (?, ?)
    AND coalesce(regexp_extract(arn, '^arn:[^:]*:(sts:[^:]*:[^:]*:assumed-role/|iam:[^:]*:[^:]*:role/([^/]*/)*)([^/]+)(/|$)', 3), '') IN (?)
    AND (strpos(arn, ?) > 0 OR strpos(arn, ?) > 0)
    AND (strpos(model, ?) > 0 OR model LIKE '%:application-inference-profile/%')
  )
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
