-- bedrock-usage: Bedrock usage at the report grain, for one region's invocation logs.
-- Parameters in order: requestMetadata keys (each twice), first and last delivery-hour partition,
-- range start and end (ISO 8601, end excluded), then filter values.
WITH calls AS (
  SELECT
    CASE WHEN "schematype" = 'ModelInvocationLog' THEN try(from_iso8601_timestamp("timestamp")) END AS ts,
    CASE
      WHEN "schematype" = 'ModelInvocationLog' THEN 'record'
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
    coalesce("input"."inputtokencount", 0) AS in_tok,
    coalesce("output"."outputtokencount", 0) AS out_tok,
    coalesce("input"."cachereadinputtokencount", 0) AS cr_tok,
    coalesce("input"."cachewriteinputtokencount", 0) AS cw_tok
  FROM "bedrock_analytics"."bedrock_invocation_logs"
  WHERE "dt" BETWEEN '2025/10/31/22' AND '2025/11/01/11'
    AND "$path" NOT LIKE ('%/' || "dt" || '/data/%')
)
SELECT
  CAST(date_trunc('hour', ts AT TIME ZONE 'UTC') AS timestamp) AS hour,
  region, account, arn, model, operation, error_code,
  in_tok + cr_tok + cw_tok > 200000 AS long_context,
  line_kind,
  count(*) AS calls,
  CAST(sum(in_tok) AS bigint) AS input_tokens,
  CAST(sum(out_tok) AS bigint) AS output_tokens,
  CAST(sum(cr_tok) AS bigint) AS cache_read_tokens,
  CAST(sum(cw_tok) AS bigint) AS cache_write_tokens,
  CAST(0 AS bigint) AS cache_write_1h_tokens,
  CAST(sum(cw_tok) AS bigint) AS cache_write_ttl_unknown_tokens
FROM calls
WHERE ts IS NULL
  OR (ts >= from_iso8601_timestamp('2025-10-31T22:00:00.000Z') AND ts < from_iso8601_timestamp('2025-11-01T11:00:00.000Z')
    AND region IN ('us-east-1', 'eu-central-1')
    AND coalesce(regexp_extract(arn, '^arn:[^:]*:(sts:[^:]*:[^:]*:assumed-role/|iam:[^:]*:[^:]*:role/([^/]*/)*)([^/]+)(/|$)', 3), '') IN ('ChatbotApp')
    AND (strpos(arn, 'O''Brien') > 0 OR strpos(arn, 'alice@example.com') > 0)
    AND (strpos(model, 'anthropic.claude-3-haiku-20240307-v1:0') > 0 OR model LIKE '%:application-inference-profile/%')
  )
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
