package config

// The inputs' names as workflows write them: the tests use the spelling,
// so a change to the table in internal/setting shows here.
const (
	InClientID       = "client-id"
	InAppID          = "app-id"
	InPrivateKey     = "private-key"
	InOwner          = "owner"
	InRepositories   = "repositories"
	InPermissions    = "permissions"
	InInstallationID = "installation-id"
	InSkipRevoke     = "skip-token-revoke"
	InAPIURL         = "github-api-url"
	InRetryAttempts  = "retry-attempts"
	InRetrySeconds   = "retry-max-seconds"
	InRequestTimeout = "request-timeout-seconds"
	InTokenReady     = "token-ready-seconds"
	InEnterprise     = "enterprise"
	InCACertificates = "ca-certificates"
)
