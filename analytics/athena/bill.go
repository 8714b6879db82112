package athena

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/cur"
	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// billColumns are the bill query's result columns, in order: cur.Item's fields.
var billColumns = []string{"day", "account", "line_item_type", "product_code", "usage_type", "operation", "principal",
	"region_code", "pricing_unit", "description", "product_name", "quantity", "cost", "line_items"}

// productNameSQL is cur's productName: the first of product['model'], ['servicename'] and
// ['product_name'] that is set and does not name the service itself.
func productNameSQL() string {
	var parts []string
	for _, k := range []string{"model", "servicename", "product_name"} {
		v := fmt.Sprintf("trim(element_at(product, '%s'))", k)
		parts = append(parts, fmt.Sprintf("CASE WHEN lower(%s) NOT IN ('', 'amazon bedrock', 'amazon bedrock service', 'amazon bedrock foundation models') THEN %s END", v, v))
	}
	return "coalesce(" + strings.Join(parts, ", ") + ", '')"
}

// BillSQL is the one query that reads the Bedrock line items of the CUR 2.0 table for
// [since, until): the billing periods pruned by partition, the usage days filtered, the
// items summed exactly (as decimals) by everything cur.Item holds, the same Items the
// in-process reader builds. Its parameters are the first and last billing period and the
// range's bounds.
func BillSQL(database, table string, since, until time.Time) (string, []string) {
	amount := func(col string) string {
		return fmt.Sprintf("CAST(sum(CAST(%s AS decimal(38,10))) AS varchar)", col)
	}
	text := fmt.Sprintf(`SELECT
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
  %s AS product_name,
  %s AS quantity,
  %s AS cost,
  count(*) AS line_items
FROM %s.%s
WHERE billing_period BETWEEN ? AND ?
  AND line_item_usage_start_date >= CAST(? AS timestamp)
  AND line_item_usage_start_date < CAST(? AS timestamp)
  AND (line_item_product_code LIKE 'AmazonBedrock%%'
    OR strpos(lower(coalesce(element_at(product, 'product_name'), '')), 'amazon bedrock') > 0
    OR strpos(lower(coalesce(element_at(product, 'servicename'), '')), 'amazon bedrock') > 0)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`,
		productNameSQL(), amount("line_item_usage_amount"), amount("line_item_unblended_cost"), quoteIdent(database), quoteIdent(table))
	lit := func(s string) string { return "'" + s + "'" }
	params := []string{
		lit(since.UTC().Format("2006-01")), lit(until.UTC().Add(-time.Nanosecond).Format("2006-01")),
		lit(since.UTC().Format(time.DateTime)), lit(until.UTC().Format(time.DateTime)),
	}
	return text, params
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// BillItems runs BillSQL in region (where the export's table is) and sums its rows into
// Items.
func (s *Source) BillItems(ctx context.Context, region, table string, since, until time.Time) (*cur.Items, error) {
	text, params := BillSQL(s.cfg.Database, table, since, until)
	items := cur.NewItems()
	_, err := s.exec.execute(ctx, region, querySpec{sql: text, params: params}, func(cols []Column, vals []*string) error {
		return addBillRow(items, cols, vals)
	})
	if err != nil {
		return nil, fmt.Errorf("athena bill query in %s: %w", region, err)
	}
	return items, nil
}

func addBillRow(items *cur.Items, cols []Column, vals []*string) error {
	if len(vals) != len(billColumns) {
		return fmt.Errorf("bill query: %d columns, want %d", len(vals), len(billColumns))
	}
	str := func(i int) string {
		if vals[i] == nil {
			return ""
		}
		return *vals[i]
	}
	day, err := time.Parse(time.DateOnly, str(0))
	if err != nil {
		return fmt.Errorf("bill query: day %q: %w", str(0), err)
	}
	num := func(i int) (decimal.Decimal, error) {
		if vals[i] == nil {
			return decimal.Zero, nil
		}
		return decimal.NewFromString(*vals[i])
	}
	qty, err := num(11)
	if err != nil {
		return fmt.Errorf("bill query: quantity: %w", err)
	}
	cost, err := num(12)
	if err != nil {
		return fmt.Errorf("bill query: cost: %w", err)
	}
	lines, err := strconv.ParseInt(str(13), 10, 64)
	if err != nil {
		return fmt.Errorf("bill query: line_items: %w", err)
	}
	items.AddItem(cur.Item{Day: day, Account: str(1), LineItemType: str(2), ProductCode: str(3), UsageType: str(4), Operation: str(5),
		Principal: str(6), RegionCode: str(7), PricingUnit: str(8), Description: str(9), ProductName: str(10)}, qty, cost, lines)
	items.Read += lines // the query sees only Bedrock line items: they are what it read
	items.Bedrock += lines
	return nil
}

// BillItems is the Athena engine's reading of the CUR 2.0 export for reconcile: one query on
// the export's Glue table (deployment.CURTableName unless table says otherwise) in region.
// It returns where it read.
func (c *config) BillItems(ctx context.Context, env engine.Env, region, table string, since, until time.Time) (*cur.Items, string, error) {
	account, err := c.accountOf(ctx, env)
	if err != nil {
		return nil, "", err
	}
	if table == "" {
		table = deployment.CURTableName
	}
	src := c.source(env, account)
	items, err := src.BillItems(ctx, region, table, since, until)
	return items, fmt.Sprintf("athena %s.%s in %s (workgroup %s)", c.database, table, region, c.workgroup), err
}
