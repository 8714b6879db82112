SELECT
  CAST(CAST(line_item_usage_start_date AS date) AS varchar) AS day,
  coalesce(line_item_usage_account_id, '') AS account,
  coalesce(line_item_line_item_type, '') AS line_item_type,
  coalesce(line_item_product_code, '') AS product_code,
  coalesce(line_item_usage_type, '') AS usage_type,
  coalesce(line_item_operation, '') AS operation,
  coalesce(line_item_iam_principal, '') AS principal,
  coalesce(product_region_code, '') AS region_code,
  coalesce(pricing_unit, '') AS pricing_unit,
  coalesce(line_item_line_item_description, '') AS description,
  coalesce(CASE WHEN lower(trim(element_at(product, 'model'))) NOT IN ('', 'amazon bedrock', 'amazon bedrock service', 'amazon bedrock foundation models') THEN trim(element_at(product, 'model')) END, CASE WHEN lower(trim(element_at(product, 'servicename'))) NOT IN ('', 'amazon bedrock', 'amazon bedrock service', 'amazon bedrock foundation models') THEN trim(element_at(product, 'servicename')) END, CASE WHEN lower(trim(element_at(product, 'product_name'))) NOT IN ('', 'amazon bedrock', 'amazon bedrock service', 'amazon bedrock foundation models') THEN trim(element_at(product, 'product_name')) END, '') AS product_name,
  CAST(sum(CAST(line_item_usage_amount AS decimal(38,10))) AS varchar) AS quantity,
  CAST(sum(CAST(line_item_unblended_cost AS decimal(38,10))) AS varchar) AS cost,
  count(*) AS line_items
FROM "bedrock_analytics"."cur_bedrock"
WHERE billing_period BETWEEN ? AND ?
  AND line_item_usage_start_date >= CAST(? AS timestamp)
  AND line_item_usage_start_date < CAST(? AS timestamp)
  AND (line_item_product_code LIKE 'AmazonBedrock%'
    OR strpos(lower(coalesce(element_at(product, 'product_name'), '')), 'amazon bedrock') > 0
    OR strpos(lower(coalesce(element_at(product, 'servicename'), '')), 'amazon bedrock') > 0)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11