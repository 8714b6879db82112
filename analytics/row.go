package analytics

import (
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Key is the grain of usage: hour (UTC) × region × account × principal × model × operation
// × outcome × serving region × context tier × service tier [× requestMetadata values]. App, User and PrincipalKind are
// derived from the caller's identity ARN with invocationlog.ParseARN, so they add no groups.
type Key struct {
	Hour          time.Time // the record's own hour, truncated, UTC
	Region        string
	Account       string
	Principal     string // the role or user name (the original system's user_or_app)
	PrincipalKind string // invocationlog.CallerKind: assumed-role, identity-center, iam-user, iam-role, federated-user, root, other, unknown
	App           string // the role name of an assumed-role caller; empty otherwise
	User          string // the session of an assumed role, or the IAM user name
	Model         string // modelId as logged
	Operation     string
	// ErrorCode is empty for a successful call and the logged errorCode for a failed one.
	ErrorCode string
	// InferenceRegion is the region that served the call as the log states it
	// (inferenceRegion, set on cross-region inference); empty when it does not, as for an
	// in-region call. See ServedIn.
	InferenceRegion string
	// LongContext and Over100K say whether the call's input, cache reads and writes included,
	// was over invocationlog.LongContextThreshold (200K) and LongContextThreshold100K tokens:
	// the long-context rates of a model apply above one of them.
	LongContext, Over100K bool
	// ServiceTier is the tier the response body says served the call (one of
	// invocationlog.ServiceTiers), or "" when the log does not say.
	ServiceTier string
	// Meta holds the values of the query's MetadataKeys, in order, joined by MetaSep
	// (an absent key is an empty value). Use MetaValues to read them.
	Meta string
}

// MetaSep separates metadata values in Key.Meta.
const MetaSep = "\x1f"

// MetaValues splits Key.Meta into n values.
func (k Key) MetaValues(n int) []string {
	if n == 0 {
		return nil
	}
	v := strings.SplitN(k.Meta, MetaSep, n)
	for len(v) < n {
		v = append(v, "")
	}
	return v
}

// JoinMeta builds Key.Meta from values.
func JoinMeta(values []string) string { return strings.Join(values, MetaSep) }

// ServedIn is the region that served the call: the logged inferenceRegion, or the calling
// region when the log states none.
func (k Key) ServedIn() string {
	if k.InferenceRegion != "" {
		return k.InferenceRegion
	}
	return k.Region
}

// Geography is the part of the world a region is in, as data residency sees it: "us-gov"
// for GovCloud, otherwise the region's first part (us, eu, ap, ca, sa, me, af, il, mx, …).
func Geography(region string) string {
	if strings.HasPrefix(region, "us-gov-") {
		return "us-gov"
	}
	g, _, _ := strings.Cut(region, "-")
	return g
}

// LeftGeography reports whether the call was served outside its caller's geography (a
// global profile called from eu-central-1 and served in us-east-1).
func (k Key) LeftGeography() bool { return Geography(k.ServedIn()) != Geography(k.Region) }

// Failed reports whether the key is for failed calls.
func (k Key) Failed() bool { return k.ErrorCode != "" }

// Row is usage at the grain.
type Row struct {
	Key
	Measures
}

// KeyFor builds the grain key of a record for a query (its MetadataKeys). Both engines use
// it: the local engine on each record, the Athena engine on each result row.
func KeyFor(r *invocationlog.Record, metadataKeys []string) Key {
	return keyFor(r, metadataKeys, MeasuresOf(r))
}

// keyFor is KeyFor with the record's measures already read.
func keyFor(r *invocationlog.Record, metadataKeys []string, m Measures) Key {
	id := invocationlog.ParseARN(r.Identity.ARN)
	k := Key{
		Hour:            r.Timestamp.UTC().Truncate(time.Hour),
		Region:          r.Region,
		Account:         r.AccountID,
		Principal:       id.Principal(),
		PrincipalKind:   string(id.Kind),
		App:             id.App(),
		User:            id.User(),
		Model:           r.ModelID,
		Operation:       r.Operation,
		ErrorCode:       r.ErrorCode,
		InferenceRegion: r.InferenceRegion,
		LongContext:     m.OverLongContext(),
		Over100K:        m.OverLongContext100K(),
		ServiceTier:     r.Output.ServiceTier,
	}
	if len(metadataKeys) > 0 {
		vals := make([]string, len(metadataKeys))
		for i, mk := range metadataKeys {
			vals[i] = r.RequestMetadata[mk]
		}
		k.Meta = JoinMeta(vals)
	}
	return k
}
