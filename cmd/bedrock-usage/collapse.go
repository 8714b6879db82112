package main

import (
	"slices"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/sessions"
)

// collapseFlags are --collapse-sessions and --session-pattern, of report, render and serve.
type collapseFlags struct {
	On       bool
	Patterns []string
	// given is whether --collapse-sessions was given (on the command line, in the
	// environment or in the configuration file); otherwise the format decides.
	given bool
}

// collapsedFormats are the formats that fold generated session names unless told not to:
// the ones people read. JSON and CSV keep every session unless asked.
var collapsedFormats = []string{"table", "markdown", "md", "html"}

func (c *collapseFlags) addFlags(fl *pflag.FlagSet) {
	fl.BoolVar(&c.On, "collapse-sessions", false, "fold generated role session names (botocore-session-…, aws-go-sdk-…, instance and task ids, UUIDs, long numbers) into one user per pattern, with how many sessions each line folds (default: on for table, markdown and html, off for json and csv)")
	fl.StringArrayVar(&c.Patterns, "session-pattern", nil, "an extra pattern of generated session names, NAME=REGEXP (the whole name must match; repeatable; tried before the built-in ones), as in 'ci-run-*=ci-run-[0-9]+'")
}

// bind records whether --collapse-sessions was given, on the command line or from the
// environment or the configuration file; call it when the command runs.
func (c *collapseFlags) bind(fl *pflag.FlagSet, f *factory) {
	c.given = fl.Changed("collapse-sessions")
	for _, s := range f.sources {
		if s.flag == "collapse-sessions" && s.from != "default" {
			c.given = true
		}
	}
}

// folder is the session folder of the flags: the --session-pattern patterns, then the
// built-in ones. A bad pattern is a usage error.
func (c *collapseFlags) folder() (*sessions.Folder, error) {
	var ps []sessions.Pattern
	for _, s := range c.Patterns {
		p, err := sessions.ParsePattern(s)
		if err != nil {
			return nil, usageErr("--session-pattern: %v", err)
		}
		ps = append(ps, p)
	}
	return sessions.NewFolder(append(ps, sessions.Defaults()...)), nil
}

// wants says whether output in format folds sessions: as --collapse-sessions says when it
// was given, otherwise for the formats people read.
func (c *collapseFlags) wants(format string) bool {
	if c.given {
		return c.On
	}
	return slices.Contains(collapsedFormats, format)
}

// fromValue applies a dashboard request's collapse-sessions parameter (1/0, true/false).
func (c collapseFlags) fromValue(v string) (collapseFlags, error) {
	if v == "" {
		return c, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return c, usageErr("collapse-sessions=%q: want 1 or 0", v)
	}
	c.On, c.given = on, true
	return c, nil
}

// collapser folds a report (and its baseline) once, for the outputs that want it. Make it
// before a scan, so that a bad --session-pattern fails at once.
type collapser struct {
	flags  *collapseFlags
	folder *sessions.Folder
	folded map[*analytics.Report]*analytics.Report // the reports folded, and their folding
}

func newCollapser(flags *collapseFlags) (*collapser, error) {
	f, err := flags.folder()
	if err != nil {
		return nil, err
	}
	return &collapser{flags: flags, folder: f}, nil
}

// report is rep as output in format shows it: folded or not.
func (c *collapser) report(rep *analytics.Report, format string) (*analytics.Report, error) {
	if c == nil || !c.flags.wants(format) {
		return rep, nil
	}
	if f, ok := c.folded[rep]; ok {
		return f, nil
	}
	f, err := analytics.CollapseSessions(rep, c.folder)
	if err != nil {
		return nil, err
	}
	if c.folded == nil {
		c.folded = map[*analytics.Report]*analytics.Report{}
	}
	c.folded[rep] = f
	return f, nil
}
