// Package archtest holds the repository's structural tests: the import arrows between
// packages (the core never reaches AWS, renderers never name an engine, nothing but the CDK
// app imports infra) and the hygiene of what git tracks (no binaries, no huge files). It has
// no code of its own.
package archtest
