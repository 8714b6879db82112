package invocationlog

import "strings"

// CallerKind classifies an identity ARN.
type CallerKind string

const (
	CallerAssumedRole    CallerKind = "assumed-role"
	CallerIdentityCenter CallerKind = "identity-center" // AWSReservedSSO_… roles
	CallerIAMUser        CallerKind = "iam-user"
	CallerFederatedUser  CallerKind = "federated-user"
	CallerRoot           CallerKind = "root"
	CallerOther          CallerKind = "other" // a well-formed ARN of another kind
	CallerUnknown        CallerKind = "unknown"
)

// Caller is a parsed identity ARN.
type Caller struct {
	Raw       string
	Kind      CallerKind
	Partition string
	Account   string
	// Role and Session for assumed roles (Identity Center included).
	Role, Session string
	// Path and Name for IAM users; Name for federated users.
	Path, Name string
	// PermissionSet is the Identity Center permission set of an AWSReservedSSO_ role.
	PermissionSet string
}

// ParseARN parses a caller identity ARN. It never fails: what it cannot read is kept
// whole with CallerUnknown.
func ParseARN(arn string) Caller {
	c := Caller{Raw: arn, Kind: CallerUnknown}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return c
	}
	c.Partition, c.Account = parts[1], parts[4]
	service, res := parts[2], parts[5]
	switch {
	case service == "sts" && strings.HasPrefix(res, "assumed-role/"):
		role, session, ok := strings.Cut(strings.TrimPrefix(res, "assumed-role/"), "/")
		if !ok || role == "" {
			c.Kind = CallerOther
			return c
		}
		// A role path is not part of an assumed-role ARN; the role name is the last element.
		c.Role, c.Session = role, session
		c.Kind = CallerAssumedRole
		if ps, ok := strings.CutPrefix(role, "AWSReservedSSO_"); ok {
			c.Kind = CallerIdentityCenter
			if i := strings.LastIndex(ps, "_"); i > 0 {
				ps = ps[:i]
			}
			c.PermissionSet = ps
		}
	case service == "sts" && strings.HasPrefix(res, "federated-user/"):
		c.Kind = CallerFederatedUser
		c.Name = strings.TrimPrefix(res, "federated-user/")
	case service == "iam" && res == "root":
		c.Kind = CallerRoot
		c.Name = "root"
	case service == "iam" && strings.HasPrefix(res, "user/"):
		p := strings.TrimPrefix(res, "user/")
		i := strings.LastIndex(p, "/")
		c.Path, c.Name = "/", p
		if i >= 0 {
			c.Path, c.Name = "/"+p[:i+1], p[i+1:]
		}
		c.Kind = CallerIAMUser
	default:
		c.Kind = CallerOther
	}
	return c
}

// Principal is the role or user name: the original system's user_or_app. Identity Center
// callers are people, so their principal is their session (user) name.
func (c Caller) Principal() string {
	switch c.Kind {
	case CallerAssumedRole:
		return c.Role
	case CallerIdentityCenter:
		return c.Session
	case CallerIAMUser, CallerFederatedUser, CallerRoot:
		return c.Name
	}
	return c.Raw
}

// App is the application: the role name of an assumed-role caller, empty otherwise.
func (c Caller) App() string {
	if c.Kind == CallerAssumedRole {
		return c.Role
	}
	return ""
}

// User is the person or session: the session of an assumed role (Identity Center included),
// the IAM or federated user name.
func (c Caller) User() string {
	switch c.Kind {
	case CallerAssumedRole, CallerIdentityCenter:
		return c.Session
	case CallerIAMUser, CallerFederatedUser, CallerRoot:
		return c.Name
	}
	return ""
}
