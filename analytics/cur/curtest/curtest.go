// Package curtest writes CUR 2.0 Parquet files for tests: the columns of the CUR 2.0 schema
// that Bedrock line items use, with their CUR 2.0 types (timestamps, doubles, strings and the
// product and resource_tags maps), plus a few columns reconcile never reads, as a real export
// has, so the reader is shown to pick its columns by name.
package curtest

import (
	"os"
	"path/filepath"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/bedrock-usage/bedrock-usage/analytics/cur"
)

// Row is one line item as a CUR 2.0 export file holds it.
type Row struct {
	IdentityLineItemID   string            `parquet:"identity_line_item_id"`
	IdentityTimeInterval string            `parquet:"identity_time_interval"`
	BillBillType         string            `parquet:"bill_bill_type"`
	BillingPeriodStart   time.Time         `parquet:"bill_billing_period_start_date,timestamp(microsecond)"`
	PayerAccount         string            `parquet:"bill_payer_account_id"`
	UsageAccount         string            `parquet:"line_item_usage_account_id"`
	LineItemType         string            `parquet:"line_item_line_item_type"`
	UsageStart           time.Time         `parquet:"line_item_usage_start_date,timestamp(microsecond)"`
	UsageEnd             time.Time         `parquet:"line_item_usage_end_date,timestamp(microsecond)"`
	ProductCode          string            `parquet:"line_item_product_code"`
	UsageType            string            `parquet:"line_item_usage_type"`
	Operation            string            `parquet:"line_item_operation"`
	Description          string            `parquet:"line_item_line_item_description"`
	ResourceID           string            `parquet:"line_item_resource_id,optional"`
	UsageAmount          float64           `parquet:"line_item_usage_amount"`
	UnblendedRate        string            `parquet:"line_item_unblended_rate"`
	UnblendedCost        float64           `parquet:"line_item_unblended_cost"`
	BlendedCost          float64           `parquet:"line_item_blended_cost"`
	NetUnblendedCost     *float64          `parquet:"line_item_net_unblended_cost,optional"`
	IAMPrincipal         string            `parquet:"line_item_iam_principal,optional"`
	PricingUnit          string            `parquet:"pricing_unit"`
	RegionCode           string            `parquet:"product_region_code"`
	Product              map[string]string `parquet:"product"`
	ResourceTags         map[string]string `parquet:"resource_tags"`
}

// FromLineItem is the file row of a line item.
func FromLineItem(li cur.LineItem) Row {
	start := li.BillingPeriodStart
	if start.IsZero() {
		start = time.Date(li.UsageStart.Year(), li.UsageStart.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	end := li.UsageEnd
	if end.IsZero() {
		end = li.UsageStart.Add(24 * time.Hour)
	}
	return Row{
		IdentityLineItemID: li.UsageType + "/" + li.UsageStart.Format(time.RFC3339), IdentityTimeInterval: li.UsageStart.Format(time.RFC3339) + "/" + end.Format(time.RFC3339),
		BillBillType: "Anniversary", BillingPeriodStart: start, PayerAccount: li.PayerAccount, UsageAccount: li.UsageAccount,
		LineItemType: li.LineItemType, UsageStart: li.UsageStart, UsageEnd: end, ProductCode: li.ProductCode,
		UsageType: li.UsageType, Operation: li.Operation, Description: li.Description, ResourceID: li.ResourceID,
		UsageAmount: li.UsageAmount, UnblendedRate: li.UnblendedRate, UnblendedCost: li.UnblendedCost, BlendedCost: li.UnblendedCost,
		NetUnblendedCost: li.NetUnblendedCost, IAMPrincipal: li.IAMPrincipal, PricingUnit: li.PricingUnit, RegionCode: li.RegionCode,
		Product: li.Product, ResourceTags: map[string]string{},
	}
}

// Write writes line items as one Parquet file (Snappy, as Data Exports compresses), in row
// groups of groupRows (0: one group).
func Write(path string, items []cur.LineItem, groupRows int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := parquet.NewGenericWriter[Row](f, parquet.Compression(&parquet.Snappy))
	rows := make([]Row, 0, len(items))
	for _, li := range items {
		rows = append(rows, FromLineItem(li))
	}
	for len(rows) > 0 {
		n := len(rows)
		if groupRows > 0 && n > groupRows {
			n = groupRows
		}
		if _, err := w.Write(rows[:n]); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		rows = rows[n:]
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}
