// Command bedrock-usage reports who spends what on Amazon Bedrock, from the logs Bedrock
// Model Invocation Logging writes: per user, application, model, region, hour and day.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], newFactory()))
}
