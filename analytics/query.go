// Package analytics turns Bedrock invocation logs into usage: the Query a report asks, the
// usage Row at one grain, the aggregator that builds rows from records, the Source interface
// both engines implement (analytics/local, analytics/athena), and the views of a report.
package analytics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Query is what a report asks a Source for. The time range is half-open, [Since, Until),
// in UTC. Empty filter lists match everything; a non-empty list matches any of its values
// exactly. Rows are always returned at the full grain; MetadataKeys adds requestMetadata
// values to it.
type Query struct {
	Since, Until time.Time
	// Regions are the regions to read; empty means the source's own default list.
	Regions []string
	// Apps filters on the application (the role name of an assumed-role caller).
	Apps []string
	// Users filters on the user (the session of an assumed role, or the IAM user name).
	Users []string
	// Models filters on the modelId as logged, or on its base model id (profile prefix and
	// ARN removed), so "anthropic.claude-3-haiku-20240307-v1:0" also matches
	// "us.anthropic.claude-3-haiku-20240307-v1:0"; an application inference profile matches
	// the model it resolves to (see BuildReport).
	Models []string
	// MetadataKeys are requestMetadata keys whose values become part of the grain.
	MetadataKeys []string
}

// Validate reports a query that cannot be run.
func (q Query) Validate() error {
	if q.Since.IsZero() || q.Until.IsZero() {
		return fmt.Errorf("query needs both a start and an end time")
	}
	if !q.Since.Before(q.Until) {
		return fmt.Errorf("query start %s is not before its end %s", q.Since.UTC().Format(time.RFC3339), q.Until.UTC().Format(time.RFC3339))
	}
	for _, k := range q.MetadataKeys {
		if k == "" {
			return fmt.Errorf("empty requestMetadata key")
		}
	}
	return nil
}

// InRange reports whether t lies in [Since, Until).
func (q Query) InRange(t time.Time) bool {
	return !t.Before(q.Since) && t.Before(q.Until)
}

// Match reports whether a row's key passes the query's filters (not its time range): the
// region, application and user filters exactly, and the model filter as a cheap superset
// (ModelMayMatch). Both engines apply it, so their answers agree whatever they push down.
// The exact model filter runs once, after model ids are resolved (BuildReport).
func (q Query) Match(k Key) bool {
	if len(q.Regions) > 0 && !slices.Contains(q.Regions, k.Region) {
		return false
	}
	if len(q.Apps) > 0 && !slices.Contains(q.Apps, k.App) {
		return false
	}
	if len(q.Users) > 0 && !slices.Contains(q.Users, k.User) {
		return false
	}
	return q.ModelMayMatch(k.Model)
}

// appProfileMarker is in every application inference profile ARN, whose model is only
// known once pricing resolves it.
const appProfileMarker = ":application-inference-profile/"

// ModelMayMatch reports whether a modelId as logged can pass the model filter: it contains
// one of the filter's values (a base model id is part of every form of it), or it is an
// application inference profile. It parses nothing; the Athena SQL pushes down the same
// test.
func (q Query) ModelMayMatch(logged string) bool {
	if len(q.Models) == 0 {
		return true
	}
	for _, m := range q.Models {
		if strings.Contains(logged, m) {
			return true
		}
	}
	return strings.Contains(logged, appProfileMarker)
}

// ModelMatches is the exact model filter: it keeps a modelId whose logged form, base model
// id (prefix and ARN removed) or resolved base model (for application inference profiles;
// empty when not known) is one of the filter's values.
func (q Query) ModelMatches(logged, base, resolved string) bool {
	if len(q.Models) == 0 {
		return true
	}
	return slices.Contains(q.Models, logged) || slices.Contains(q.Models, base) ||
		(resolved != "" && slices.Contains(q.Models, resolved))
}

// BaseModelID is the modelId without inference-profile prefix or ARN; see invocationlog.
func BaseModelID(id string) string { return invocationlog.BaseModelID(id) }
