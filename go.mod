module github.com/app-token/app-token

go 1.26.0

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/google/go-github/v62 v62.0.0
	github.com/sethvargo/go-githubactions v1.4.0
	golang.org/x/net v0.62.0
)

require (
	github.com/google/go-querystring v1.1.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
