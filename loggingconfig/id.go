package loggingconfig

import (
	"fmt"
	"strings"
)

// Mode is what a create did, kept in the physical resource ID because CloudFormation sends
// a custom resource's Data back on no later request: Delete learns only the ID.
type Mode string

const (
	// ModeSet: no configuration existed; this stack put one. Delete removes it if it is still
	// the stack's.
	ModeSet Mode = "set"
	// ModeAdopted: an identical configuration existed; nothing was put. Delete keeps it.
	ModeAdopted Mode = "adopted"
	// ModeReplaced: a different configuration existed and was replaced (replaceExistingLogging);
	// the ID carries it. Delete puts it back if the stack's is still in place.
	ModeReplaced Mode = "replaced"
	// ModeFailed: the create failed and changed nothing. Delete (rollback) does nothing.
	ModeFailed Mode = "failed"
	// ModeUnknown: an ID this handler did not issue. Delete does nothing.
	ModeUnknown Mode = "unknown"
)

// idPrefix starts every physical resource ID this handler issues.
const idPrefix = "bedrock-usage-logging:"

// legacyIDPrefix starts the ID the AwsCustomResource of earlier versions returned
// (bedrock-invocation-logging-{region}); it put the configuration on create, so such a
// resource is ModeSet.
const legacyIDPrefix = "bedrock-invocation-logging-"

// MaxIDLength is CloudFormation's limit on a physical resource ID.
const MaxIDLength = 1024

// PhysicalID is the ID of a resource in mode m; previous is the replaced configuration
// (ModeReplaced only).
func PhysicalID(m Mode, previous Config) string {
	if m == ModeReplaced {
		return idPrefix + string(m) + ":" + previous.Encode()
	}
	return idPrefix + string(m)
}

// ParseID reads a physical resource ID: the mode and, for ModeReplaced, the configuration
// to restore.
func ParseID(id string) (Mode, Config, error) {
	if strings.HasPrefix(id, legacyIDPrefix) {
		return ModeSet, Config{}, nil
	}
	rest, ok := strings.CutPrefix(id, idPrefix)
	if !ok {
		return ModeUnknown, Config{}, nil
	}
	m, enc, _ := strings.Cut(rest, ":")
	switch Mode(m) {
	case ModeSet, ModeAdopted, ModeFailed:
		return Mode(m), Config{}, nil
	case ModeReplaced:
		prev, err := Decode(enc)
		if err != nil {
			return ModeUnknown, Config{}, fmt.Errorf("physical resource ID %q: %w", id, err)
		}
		return ModeReplaced, prev, nil
	}
	return ModeUnknown, Config{}, nil
}
