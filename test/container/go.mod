// Tools for the container tests only, in their own module so that what they
// need (a YAML parser) never reaches the action binary's go.mod.
module github.com/app-token/app-token/test/container

go 1.26.0

require (
	github.com/app-token/app-token v0.0.0
	go.yaml.in/yaml/v3 v3.0.6
)

require github.com/sethvargo/go-githubactions v1.4.0 // indirect

// actionenv reads file commands with the action's own parser.
replace github.com/app-token/app-token => ../..
