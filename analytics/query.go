// Package analytics turns Bedrock invocation logs into usage: the Query a report asks, the
// usage Row at one grain, the aggregator that builds rows from records, the Source interface
// both engines implement (analytics/local, analytics/athena), and the views of a report.
package analytics

import (
	"fmt"
	"slices"
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

// Match reports whether a row's key passes the query's filters (not its time range).
// Both engines apply it, so their answers agree whatever they push down.
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
	if len(q.Models) > 0 && !q.ModelMatches(k.Model, "") &&
		invocationlog.ParseModelID(k.Model).Kind != invocationlog.ModelAppProfileARN {
		// An application inference profile's model is only known once it is resolved
		// (at pricing): BuildReport applies the model filter to those rows.
		return false
	}
	return true
}

// ModelMatches reports whether the query's model filter keeps a modelId as logged, or its
// resolved base model (empty when not known).
func (q Query) ModelMatches(logged, resolved string) bool {
	if len(q.Models) == 0 {
		return true
	}
	return slices.Contains(q.Models, logged) || slices.Contains(q.Models, BaseModelID(logged)) ||
		(resolved != "" && slices.Contains(q.Models, resolved))
}

// BaseModelID is the modelId without inference-profile prefix or ARN; see invocationlog.
func BaseModelID(id string) string { return invocationlog.BaseModelID(id) }
