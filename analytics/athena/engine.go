package athena

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
)

func init() {
	engine.Register(engine.Engine{
		Name:    Engine,
		Summary: "query the Glue table of the CDK app, one query per region",
		New:     func() engine.Config { return &config{} },
	})
}

// config is the Athena engine's flags.
type config struct {
	workgroup, database, table, account string
	printSQL                            bool
}

var _ engine.Explainer = (*config)(nil)

func (c *config) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.workgroup, "workgroup", DefaultWorkgroup, "Athena workgroup (athena engine)")
	fs.StringVar(&c.database, "database", DefaultDatabase, "Glue database (athena engine)")
	fs.StringVar(&c.table, "table", DefaultTable, "Glue table (athena engine)")
	fs.StringVar(&c.account, "account", "", "AWS account of the logs, for the result location s3://bedrock-analytics-{account}-{region}/athena-results/ (athena engine; default: the caller's, from sts:GetCallerIdentity)")
}

func (c *config) AddExplainFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&c.printSQL, "print-sql", false, "print each region's SQL and exit without calling AWS (athena engine)")
}

func (c *config) Explaining() bool { return c.printSQL }

// source builds the engine for env; account may be empty (--print-sql).
func (c *config) source(env engine.Env, account string) *Source {
	return New(
		Config{Workgroup: c.workgroup, Database: c.database, Table: c.table, Account: account},
		ClientsFromConfig(env.AWSConfig),
		WithS3(S3FromConfig(env.AWSConfig, env.S3Options...)),
		WithNow(env.Now),
	)
}

func (c *config) Open(ctx context.Context, env engine.Env) (analytics.Source, string, error) {
	account, err := c.accountOf(ctx, env)
	if err != nil {
		return nil, "", err
	}
	return c.source(env, account), fmt.Sprintf("athena %s.%s (workgroup %s)", c.database, c.table, c.workgroup), nil
}

// accountOf is --account, or the caller's account.
func (c *config) accountOf(ctx context.Context, env engine.Env) (string, error) {
	if c.account != "" {
		return c.account, nil
	}
	return env.CallerAccount(ctx)
}

// Explain prints each region's statement with its parameters written in place.
func (c *config) Explain(ctx context.Context, env engine.Env, q analytics.Query) error {
	src := c.source(env, c.account)
	text, err := src.InlineSQL(q)
	if err != nil {
		return err // ErrBadQuery: a usage error
	}
	for _, r := range src.Regions(q) {
		fmt.Fprintf(env.Out, "-- region %s: workgroup %s, %s.%s\n%s;\n\n", r, c.workgroup, c.database, c.table, text)
	}
	return nil
}
