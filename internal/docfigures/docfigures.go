// Package docfigures keeps the figures the documentation quotes (sizes,
// timings, memory, versions, limits) in one source, docs/figures.json,
// and every quote of them in step with it. A page writes a figure as
//
//	<!--fig:image-size-->11.5 MB<!--/fig-->
//
// and TestDocFigures fails when a quote differs from the source, when the
// source differs from what the tree says (a limit in the code, the Go
// version in go.mod) or from what it measures here (the image's size
// within 3%), and when a figure is quoted nowhere. docs/performance.md's
// "Where each figure comes from" lists them all with how and when each
// was had; a figure nothing here can measure again says where and when it
// was.
//
// After a change that moves a figure:
//
//	go generate ./internal/docfigures
//
// measures what this machine can (the binary as the Dockerfile builds it,
// the image's files, their compressed size), reads the tree's figures, and
// rewrites the source and every quote. A figure measured elsewhere (a
// benchmark's) is recorded by hand in docs/figures.json, with its command
// and when; the same run then writes its quotes.
package docfigures

//go:generate go test -run ^TestDocFigures$ -update .
