package main

import "context"

// What doctor, roles verify and traffic share: a table-or-JSON --format, a checked
// --region list, and the account from --account or the caller's credentials.

// opsFormat is --format of an operational command: table or json, by default table on a
// terminal and JSON otherwise.
func opsFormat(format string, outTTY bool) (string, error) {
	switch format {
	case "table", "json":
		return format, nil
	case "":
		if outTTY {
			return "table", nil
		}
		return "json", nil
	}
	return "", usageErr("--format %q: use table or json", format)
}

// regionList is a --region list split and checked as region names, or def when empty.
func regionList(vals, def []string) ([]string, error) {
	regions := splitList(vals)
	for _, r := range regions {
		if !regionRE.MatchString(r) {
			return nil, usageErr("--region %q is not an AWS region name (like us-east-1)", r)
		}
	}
	if len(regions) == 0 {
		return def, nil
	}
	return regions, nil
}

// callerAccount is account, or, when it is empty, the account of the caller's credentials.
func callerAccount(ctx context.Context, f *factory, account string) (string, error) {
	if account != "" {
		return account, nil
	}
	return f.engineEnv().CallerAccount(ctx)
}
