package config

import (
	"strconv"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/setting"
)

// readIssuer reads the client ID or App ID; only a JWT signed elsewhere
// (required false) carries its issuer itself.
func (c *Config) readIssuer(s Source, required bool, bad *problems) {
	clientID, appID := s.Setting(setting.ClientID), s.Setting(setting.AppID)
	if clientID != "" && appID != "" {
		// As the official action since v3.1: client-id wins, so workflows
		// part-way through the migration keep working.
		c.Notices = append(c.Notices, setting.Errorf("%s are both set: using %s (%s is deprecated; remove it)", setting.Inputs{setting.ClientID, setting.AppID}, setting.ClientID, setting.AppID))
		appID = ""
	}
	// if chains rather than switch cases, here and below: a case's
	// condition lies outside every coverage block, so mutation testing
	// (scripts/mutation.sh) would call it untested.
	if clientID != "" {
		c.Issuer, c.IssuerSetting = clientID, setting.ClientID
		if !ghtext.IsClientID(clientID) {
			bad.addf("%s is %s, which is not a client ID (letters and digits, like Iv23liXXXXXXXXXXXXXX, from the App's settings page)", setting.Input(setting.ClientID), quote(clientID))
		}
	} else if appID != "" {
		c.Issuer, c.IssuerSetting = appID, setting.AppID
		if id, err := strconv.ParseInt(appID, 10, 64); err != nil || id <= 0 {
			var hint error = setting.Errorf("")
			if ghtext.IsClientID(appID) {
				hint = setting.Errorf(" (it looks like a client ID: pass it as %s)", setting.ClientID)
			}
			bad.addf("%s must be the App's numeric ID, got %s%s", setting.Input(setting.AppID), quote(appID), hint)
		}
	} else if required {
		bad.addf("neither %s nor %s is set: pass the App's client ID (recommended) or App ID%s", setting.ClientID, setting.AppID,
			setting.Words{Action: ", e.g. `client-id: ${{ vars.APP_CLIENT_ID }}`"})
	}
}
