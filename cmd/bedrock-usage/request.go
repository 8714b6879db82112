package main

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/pflag"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// reportRequest is what one report asks for: the range, the filters, the extra grouping and
// how many lines the human formats show. `report` reads it from flags; `serve` from flags
// for its defaults, then from each request's query parameters (fromValues).
type reportRequest struct {
	Since   string
	Until   string
	Regions []string
	Apps    []string
	Users   []string
	Models  []string
	GroupBy []string
	Top     int
	// TimeZone is the IANA name of the zone where days begin; empty is UTC.
	TimeZone string
}

// addFlags binds the request's flags; defaultTop is the --top default (report 10, serve 20).
func (r *reportRequest) addFlags(fl *pflag.FlagSet, defaultTop int, forServe bool) {
	since, until := "start: a period (today, yesterday, this-week, last-week, mtd, last-month, 2025-11, 2025-W45; alone, the range is that period), a date (2025-11-01), an RFC 3339 time, or a duration back from now (7d, 24h); default 7 days before --until",
		"end: a period or date (inclusive: the whole period), an RFC 3339 time (exclusive) or a duration back from now; default now"
	top := "lines per view in table and markdown output (0: all; daily and hourly are never cut)"
	if forServe {
		since, until, top = "default start of the page's report (as in report --since)", "default end of the page's report (as in report --until)", "lines per view on the page (0: all)"
	}
	fl.StringVar(&r.Since, "since", "", since)
	fl.StringVar(&r.Until, "until", "", until)
	fl.StringVar(&r.TimeZone, "timezone", "", "IANA time zone where days, weeks and months begin, for the range and the daily view (Europe/Berlin; default UTC)")
	fl.StringArrayVar(&r.Regions, "region", nil, "only these regions (repeatable or comma-separated)")
	fl.IntVar(&r.Top, "top", defaultTop, top)
	if forServe {
		return // the page's filters come from its query parameters
	}
	fl.StringArrayVar(&r.Apps, "app", nil, "only these applications (role names; repeatable or comma-separated, \\, for a comma in a name)")
	fl.StringArrayVar(&r.Users, "user", nil, "only these users (IAM user names or role session names; repeatable or comma-separated, \\, for a comma in a name)")
	fl.StringArrayVar(&r.Models, "model", nil, "only these models: a modelId as logged or its base id (repeatable or comma-separated)")
	fl.StringArrayVar(&r.GroupBy, "group-by", nil, "add a view grouped by these dimensions: "+strings.Join(analytics.DimensionNames(), ", ")+", metadata.KEY")
}

// fromValues returns a copy of r with a request's query parameters applied: since, until,
// region, app, user, model, group-by (repeatable) and top.
func (r reportRequest) fromValues(v url.Values) (reportRequest, error) {
	if s := v.Get("since"); s != "" {
		r.Since = s
	}
	if s := v.Get("until"); s != "" {
		r.Until = s
	}
	for name, dst := range map[string]*[]string{"region": &r.Regions, "app": &r.Apps, "user": &r.Users, "model": &r.Models, "group-by": &r.GroupBy} {
		if s := v[name]; len(s) > 0 {
			*dst = slices.Clone(s)
		}
	}
	if s := v.Get("timezone"); s != "" {
		r.TimeZone = s
	}
	if s := v.Get("top"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return r, fmt.Errorf("top=%q: want a whole number, 0 for all", s)
		}
		r.Top = n
	}
	return r, nil
}

// key identifies the report a request asks for (its cache key).
func (r reportRequest) key() string {
	return strings.Join([]string{r.Since, r.Until, r.TimeZone, strings.Join(r.Regions, ","), strings.Join(r.Apps, ","),
		strings.Join(r.Users, ","), strings.Join(r.Models, ","), strings.Join(r.GroupBy, ",")}, "|")
}

// query turns the request into the analytics query, with the --group-by dimensions and the
// metadata keys they need. Every error is a usage error.
func (r reportRequest) query(now time.Time) (analytics.Query, []analytics.Dimension, []string, error) {
	loc, err := r.location()
	if err != nil {
		return analytics.Query{}, nil, nil, err
	}
	since, until, err := analytics.ParseRange(r.Since, r.Until, now, loc)
	if err != nil {
		return analytics.Query{}, nil, nil, flagErr(err)
	}
	for _, l := range r.lists() {
		if err := checkListValues(l.flag, *l.vals); err != nil {
			return analytics.Query{}, nil, nil, err
		}
	}
	dims, metaKeys, err := analytics.ParseDimensions(splitList(r.GroupBy))
	if err != nil {
		return analytics.Query{}, nil, nil, flagErr(err)
	}
	if _, err := regionList(r.Regions, nil); err != nil {
		return analytics.Query{}, nil, nil, err
	}
	if r.Top < 0 {
		return analytics.Query{}, nil, nil, usageErr("--top must be 0 or more")
	}
	q := analytics.Query{
		Since: since, Until: until,
		Regions: splitList(r.Regions), Apps: splitList(r.Apps), Users: splitList(r.Users), Models: splitList(r.Models),
		MetadataKeys: metaKeys,
	}
	if err := q.Validate(); err != nil {
		return analytics.Query{}, nil, nil, flagErr(err)
	}
	return q, dims, metaKeys, nil
}

// regionRE is the shape of an AWS region name.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// splitList splits comma-separated values of repeatable flags and drops empties and
// repeats (in linear time: a request may carry many). IAM names may hold commas, so "\,"
// is a comma within a value and "\\" a backslash.
func splitList(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range in {
		for _, p := range splitValue(v) {
			if p = strings.TrimSpace(p); p != "" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// splitValue splits one flag value at its unescaped commas.
func splitValue(v string) []string {
	if !strings.Contains(v, `\`) {
		return strings.Split(v, ",")
	}
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && i+1 < len(v) && (v[i+1] == ',' || v[i+1] == '\\'):
			i++
			b.WriteByte(v[i])
		case c == ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}

// listFlag is one of the request's list flags.
type listFlag struct {
	flag string
	vals *[]string
}

func (r *reportRequest) lists() []listFlag {
	return []listFlag{{"region", &r.Regions}, {"app", &r.Apps}, {"user", &r.Users}, {"model", &r.Models}, {"group-by", &r.GroupBy}}
}

// checkListValues refuses values that no name can hold: a line break or another control
// character would otherwise cut or split a value without saying so.
func checkListValues(flag string, vals []string) error {
	for _, v := range vals {
		for i, c := range v {
			if unicode.IsControl(c) {
				return usageErr("--%s %q: a value cannot hold a line break or another control character (%U at byte %d); give each value as its own --%s or separate them with commas", flag, v, c, i, flag)
			}
		}
	}
	return nil
}

// splitNotes says when an --app or --user value was split at a comma: IAM role and session
// names may contain commas, so a name with one would otherwise be looked for in pieces.
func (r *reportRequest) splitNotes() []string {
	var notes []string
	for _, l := range []listFlag{{"app", &r.Apps}, {"user", &r.Users}} {
		for _, v := range *l.vals {
			parts := splitList([]string{v})
			if len(parts) > 1 {
				quoted := make([]string, len(parts))
				for i, p := range parts {
					quoted[i] = strconv.Quote(p)
				}
				notes = append(notes, fmt.Sprintf("--%s %q is read as %d values (%s); IAM names may contain commas: write \\, to keep one in a name", l.flag, v, len(parts), strings.Join(quoted, ", ")))
			}
		}
	}
	return notes
}

// bounded checks a dashboard request's parameters against the server's bounds.
func (r reportRequest) bounded() error {
	for name, vals := range map[string][]string{"region": r.Regions, "app": r.Apps, "user": r.Users, "model": r.Models} {
		if n := len(splitList(vals)); n > maxListValues {
			return fmt.Errorf("%s: %d values; the dashboard takes at most %d", name, n, maxListValues)
		}
	}
	if n := len(splitList(r.GroupBy)); n > maxGroupBy {
		return fmt.Errorf("group-by: %d dimensions; the dashboard takes at most %d", n, maxGroupBy)
	}
	if r.Top > maxServeTop {
		return fmt.Errorf("top=%d: the dashboard shows at most %d lines per view", r.Top, maxServeTop)
	}
	return nil
}

// location is the --timezone zone (UTC when empty).
func (r reportRequest) location() (*time.Location, error) {
	if r.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil || r.TimeZone == "Local" {
		return nil, usageErr("--timezone %q: give an IANA time zone name such as Europe/Berlin or America/New_York (or UTC)", r.TimeZone)
	}
	return loc, nil
}
