package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/athena"
)

// athenaFlags are the report flags of the Athena engine.
type athenaFlags struct {
	Workgroup string
	Database  string
	Table     string
	Account   string
	PrintSQL  bool
}

func addAthenaFlags(cmd *cobra.Command, a *athenaFlags) {
	fl := cmd.Flags()
	fl.StringVar(&a.Workgroup, "workgroup", "bedrock-usage", "Athena workgroup (athena engine)")
	fl.StringVar(&a.Database, "database", "bedrock_analytics", "Glue database (athena engine)")
	fl.StringVar(&a.Table, "table", "bedrock_invocation_logs", "Glue table (athena engine)")
	fl.StringVar(&a.Account, "account", "", "AWS account of the logs, for the result location (athena engine; default: the workgroup's enforced location)")
	fl.BoolVar(&a.PrintSQL, "print-sql", false, "print each region's SQL and exit without calling AWS (athena engine)")
}

// newAthenaSource builds the Athena source; done reports that the command has finished
// (--print-sql printed the SQL).
func newAthenaSource(ctx context.Context, f *factory, q analytics.Query, a *athenaFlags) (analytics.Source, string, bool, error) {
	src := athena.New(
		athena.Config{Workgroup: a.Workgroup, Database: a.Database, Table: a.Table, Account: a.Account},
		athena.ClientsFromConfig(f.AWSConfig),
		athena.WithS3(athena.S3FromConfig(f.AWSConfig, f.S3Options...)),
		athena.WithNow(f.Now),
	)
	if a.PrintSQL {
		text, err := src.InlineSQL(q)
		if err != nil {
			return nil, "", true, withCode(exitUsage, err)
		}
		for _, r := range src.Regions(q) {
			fmt.Fprintf(f.IO.Out, "-- region %s: workgroup %s, %s.%s\n%s;\n\n", r, a.Workgroup, a.Database, a.Table, text)
		}
		return nil, "", true, nil
	}
	return src, fmt.Sprintf("athena %s.%s (workgroup %s)", a.Database, a.Table, a.Workgroup), false, nil
}
