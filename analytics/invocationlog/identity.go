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
	CallerIAMRole        CallerKind = "iam-role" // a role ARN (not a session): arn:…:iam::…:role/…
	CallerOther          CallerKind = "other"    // a well-formed ARN of another kind
	CallerUnknown        CallerKind = "unknown"
)

// Caller is a parsed identity ARN.
type Caller struct {
	Raw       string
	Kind      CallerKind
	Partition string
	Account   string
	// Role and Session for assumed roles (Identity Center included); Role for iam-role.
	Role, Session string
	// Path and Name for IAM users (Path is "/" or "/division/team/"); Name for federated
	// users and "root" for the root user. Path is also the path of an iam-role.
	Path, Name string
	// PermissionSet is the Identity Center permission set of an AWSReservedSSO_ role.
	PermissionSet string
}

// ParseARN parses a caller identity ARN. It never fails and never allocates: what it
// cannot read is kept whole with CallerUnknown (empty strings, "<redacted>", anything not
// shaped arn:partition:service:region:account:resource), and a well-formed ARN of a kind it
// does not know is CallerOther. Every partition (aws, aws-cn, aws-us-gov, …) is read alike.
//
//	arn:aws:sts::111122223333:assumed-role/{Role}/{Session}                  assumed-role
//	arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_{Set}_{hash}/{me}  identity-center
//	arn:aws:iam::111122223333:user/{path/}{Name}                             iam-user
//	arn:aws:sts::111122223333:federated-user/{Name}                          federated-user
//	arn:aws:iam::111122223333:root                                           root
//	arn:aws:iam::111122223333:role/{path/}{Role}                             iam-role
func ParseARN(arn string) Caller {
	c := Caller{Raw: arn, Kind: CallerUnknown}
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return c
	}
	var f [4]string // partition, service, region, account
	for n := range f {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return c
		}
		f[n], rest = rest[:i], rest[i+1:]
	}
	if f[0] == "" || f[1] == "" {
		return c
	}
	c.Partition, c.Account = f[0], f[3]
	service, res := f[1], rest
	c.Kind = CallerOther
	switch service {
	case "sts":
		if r, ok := strings.CutPrefix(res, "assumed-role/"); ok {
			role, session, ok := strings.Cut(r, "/")
			if !ok || role == "" {
				return c
			}
			// A role path is not part of an assumed-role ARN; the role name is the first element.
			c.Role, c.Session = role, session
			c.Kind = CallerAssumedRole
			if ps, ok := identityCenterSet(role); ok {
				c.Kind = CallerIdentityCenter
				c.PermissionSet = ps
			}
		} else if name, ok := strings.CutPrefix(res, "federated-user/"); ok && name != "" {
			c.Kind = CallerFederatedUser
			c.Name = name
		}
	case "iam":
		switch {
		case res == "root":
			c.Kind = CallerRoot
			c.Name = "root"
		case strings.HasPrefix(res, "user/"):
			if c.Path, c.Name = splitPath(res[len("user"):]); c.Name != "" {
				c.Kind = CallerIAMUser
			} else {
				c.Path = ""
			}
		case strings.HasPrefix(res, "role/"):
			path, name := splitPath(res[len("role"):])
			if name == "" {
				return c
			}
			c.Path, c.Role = path, name
			c.Kind = CallerIAMRole
			if ps, ok := identityCenterSet(name); ok {
				c.Kind = CallerIdentityCenter
				c.PermissionSet = ps
			}
		}
	}
	return c
}

// splitPath splits "/{path/}{Name}" into "/{path/}" and "Name".
func splitPath(p string) (path, name string) {
	i := strings.LastIndexByte(p, '/')
	return p[:i+1], p[i+1:]
}

// identityCenterSet reads the permission set out of an IAM Identity Center role name,
// AWSReservedSSO_{PermissionSet}_{hash}. Permission set names may hold underscores; the
// hash is the part after the last one.
func identityCenterSet(role string) (string, bool) {
	ps, ok := strings.CutPrefix(role, "AWSReservedSSO_")
	if !ok {
		return "", false
	}
	if i := strings.LastIndexByte(ps, '_'); i > 0 {
		ps = ps[:i]
	}
	return ps, true
}

// Principal is the role or user name: the original system's user_or_app. Identity Center
// callers are people, so their principal is their session (user) name. Other and unknown
// callers are their raw ARN text ("<redacted>", "" or the ARN).
func (c Caller) Principal() string {
	switch c.Kind {
	case CallerAssumedRole, CallerIAMRole:
		return c.Role
	case CallerIdentityCenter:
		if c.Session == "" {
			return c.Role
		}
		return c.Session
	case CallerIAMUser, CallerFederatedUser, CallerRoot:
		return c.Name
	}
	return c.Raw
}

// App is the application: the role name of an assumed-role (or iam-role) caller, empty
// otherwise.
func (c Caller) App() string {
	if c.Kind == CallerAssumedRole || c.Kind == CallerIAMRole {
		return c.Role
	}
	return ""
}

// User is the person or session: the session of an assumed role (Identity Center included),
// the IAM or federated user name, "root".
func (c Caller) User() string {
	switch c.Kind {
	case CallerAssumedRole, CallerIdentityCenter:
		return c.Session
	case CallerIAMUser, CallerFederatedUser, CallerRoot:
		return c.Name
	}
	return ""
}
