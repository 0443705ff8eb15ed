// Command interop is an OpenID Connect relying party and OAuth 2 service client built only from
// off-the-shelf Go libraries (github.com/coreos/go-oidc/v3, golang.org/x/oauth2), pointed at an SSO
// issuer. It does what a Go web app and a Go service do: discovery, the authorization code flow
// with PKCE (signing in through SSO's HTML login and consent pages with a cookie-keeping HTTP
// client, as a browser would), ID token verification, userinfo, a refresh, and client credentials
// with a resource indicator whose JWT access token it verifies against the issuer's JWKS.
//
// Configuration comes from the environment (see the env calls in main). It prints one JSON object
// describing what it observed on stdout and exits 0, or prints "interop: <step>: <error>" on stderr
// and exits 1 at the first step a library refuses.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/net/html"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// report is the JSON printed on success; the jest test asserts on it.
type report struct {
	Libraries         map[string]string `json:"libraries"`
	Discovery         discoveryReport   `json:"discovery"`
	CodeFlow          codeFlowReport    `json:"codeFlow"`
	IDToken           idTokenReport     `json:"idToken"`
	UserInfo          userInfoReport    `json:"userinfo"`
	Refresh           refreshReport     `json:"refresh"`
	ClientCredentials ccReport          `json:"clientCredentials"`
}

type discoveryReport struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorizationEndpoint"`
	TokenEndpoint                 string   `json:"tokenEndpoint"`
	UserInfoEndpoint              string   `json:"userinfoEndpoint"`
	JWKSURI                       string   `json:"jwksUri"`
	CodeChallengeMethodsSupported []string `json:"codeChallengeMethodsSupported"`
	IDTokenSigningAlgs            []string `json:"idTokenSigningAlgs"`
}

type codeFlowReport struct {
	// Pages lists the SSO pages the user agent filled in, in order ("login", "consent").
	Pages           []string `json:"pages"`
	CallbackIssuer  string   `json:"callbackIssuer"`
	StateMatched    bool     `json:"stateMatched"`
	TokenType       string   `json:"tokenType"`
	Scope           string   `json:"scope"`
	ExpiresInFuture bool     `json:"expiresInFuture"`
	HasRefreshToken bool     `json:"hasRefreshToken"`
}

type idTokenReport struct {
	Issuer       string   `json:"issuer"`
	Subject      string   `json:"subject"`
	Audience     []string `json:"audience"`
	NonceMatched bool     `json:"nonceMatched"`
	// AccessTokenHash is "valid" when at_hash is present and matches the access token (go-oidc's
	// IDToken.VerifyAccessToken), "absent" when the ID token has none (optional in the code flow).
	AccessTokenHash string         `json:"accessTokenHash"`
	Algorithm       string         `json:"algorithm"`
	Claims          map[string]any `json:"claims"`
}

type userInfoReport struct {
	Subject       string         `json:"subject"`
	Email         string         `json:"email"`
	EmailVerified bool           `json:"emailVerified"`
	Claims        map[string]any `json:"claims"`
	// BadTokenError is go-oidc's error for a userinfo call with a made-up access token.
	BadTokenError string `json:"badTokenError"`
}

type refreshReport struct {
	NewAccessToken  bool   `json:"newAccessToken"`
	NewRefreshToken bool   `json:"newRefreshToken"`
	IDTokenSubject  string `json:"idTokenSubject"`
}

type ccReport struct {
	TokenType string `json:"tokenType"`
	Scope     string `json:"scope"`
	// ExpiresIn is the token's lifetime in seconds as x/oauth2 understood the token response.
	ExpiresIn int64          `json:"expiresIn"`
	Header    map[string]any `json:"header"`
	// Verified holds the access token's claims after go-oidc verified its signature (RemoteKeySet
	// over the discovered jwks_uri), issuer, audience (API_AUDIENCE) and expiry.
	Verified map[string]any `json:"verified"`
	// WrongAudienceError is go-oidc's error when the same token is verified for another audience.
	WrongAudienceError string `json:"wrongAudienceError"`
}

func main() {
	out, err := run(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "interop: %v\n", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "interop: printing the report: %v\n", err)
		os.Exit(1)
	}
}

// step wraps a library error with the name of the step that failed.
func step(name string, err error) error { return fmt.Errorf("%s: %w", name, err) }

func env(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fmt.Fprintf(os.Stderr, "interop: environment variable %s is required\n", name)
		os.Exit(2)
	}
	return value
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func run(ctx context.Context) (*report, error) {
	issuer := env("ISSUER")
	redirectURI := env("REDIRECT_URI")
	out := &report{Libraries: libraries()}

	// Discovery.
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, step("discovery (oidc.NewProvider)", err)
	}
	var metadata struct {
		Issuer               string   `json:"issuer"`
		UserInfo             string   `json:"userinfo_endpoint"`
		JWKSURI              string   `json:"jwks_uri"`
		CodeChallengeMethods []string `json:"code_challenge_methods_supported"`
		IDTokenSigningAlgs   []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := provider.Claims(&metadata); err != nil {
		return nil, step("discovery metadata", err)
	}
	out.Discovery = discoveryReport{
		Issuer:                        metadata.Issuer,
		AuthorizationEndpoint:         provider.Endpoint().AuthURL,
		TokenEndpoint:                 provider.Endpoint().TokenURL,
		UserInfoEndpoint:              provider.UserInfoEndpoint(),
		JWKSURI:                       metadata.JWKSURI,
		CodeChallengeMethodsSupported: metadata.CodeChallengeMethods,
		IDTokenSigningAlgs:            metadata.IDTokenSigningAlgs,
	}

	// Authorization code flow with PKCE.
	clientID := env("CLIENT_ID")
	conf := &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: env("CLIENT_SECRET"),
		Endpoint:     provider.Endpoint(),
		RedirectURL:  redirectURI,
		Scopes:       strings.Fields(envOr("SCOPES", "openid profile email groups offline_access")),
	}
	verifier := oauth2.GenerateVerifier()
	state, nonce := random(), random()
	authURL := conf.AuthCodeURL(state,
		oauth2.S256ChallengeOption(verifier),
		oidc.Nonce(nonce),
		oauth2.SetAuthURLParam("prompt", "consent"),
	)
	callback, pages, err := signIn(issuer, redirectURI, authURL, env("USERNAME"), env("PASSWORD"))
	if err != nil {
		return nil, step("sign-in through SSO's pages", err)
	}
	query := callback.Query()
	if query.Get("error") != "" {
		return nil, fmt.Errorf("authorization response: %s: %s", query.Get("error"), query.Get("error_description"))
	}
	token, err := conf.Exchange(ctx, query.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, step("code exchange (oauth2.Config.Exchange)", err)
	}
	scope, _ := token.Extra("scope").(string)
	out.CodeFlow = codeFlowReport{
		Pages:           pages,
		CallbackIssuer:  query.Get("iss"),
		StateMatched:    query.Get("state") == state,
		TokenType:       token.Type(),
		Scope:           scope,
		ExpiresInFuture: token.Expiry.After(time.Now()),
		HasRefreshToken: token.RefreshToken != "",
	}

	// ID token.
	rawIDToken, ok := token.Extra("id_token").(string)
	if !ok {
		return nil, errors.New("token response: no id_token")
	}
	idVerifier := provider.Verifier(&oidc.Config{ClientID: clientID})
	idToken, err := idVerifier.Verify(ctx, rawIDToken)
	if err != nil {
		return nil, step("ID token verification (IDTokenVerifier.Verify)", err)
	}
	idClaims := map[string]any{}
	if err := idToken.Claims(&idClaims); err != nil {
		return nil, step("ID token claims", err)
	}
	header, err := jwtHeader(rawIDToken)
	if err != nil {
		return nil, step("ID token header", err)
	}
	atHash := "absent"
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(token.AccessToken); err != nil {
			return nil, step("ID token at_hash (IDToken.VerifyAccessToken)", err)
		}
		atHash = "valid"
	}
	alg, _ := header["alg"].(string)
	out.IDToken = idTokenReport{
		Issuer:          idToken.Issuer,
		Subject:         idToken.Subject,
		Audience:        idToken.Audience,
		NonceMatched:    idToken.Nonce == nonce,
		AccessTokenHash: atHash,
		Algorithm:       alg,
		Claims:          idClaims,
	}

	// Userinfo.
	userInfo, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(token))
	if err != nil {
		return nil, step("userinfo (Provider.UserInfo)", err)
	}
	userClaims := map[string]any{}
	if err := userInfo.Claims(&userClaims); err != nil {
		return nil, step("userinfo claims", err)
	}
	out.UserInfo = userInfoReport{
		Subject:       userInfo.Subject,
		Email:         userInfo.Email,
		EmailVerified: userInfo.EmailVerified,
		Claims:        userClaims,
	}
	bogus := &oauth2.Token{AccessToken: "not-a-real-token", TokenType: "Bearer"}
	if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(bogus)); err != nil {
		out.UserInfo.BadTokenError = err.Error()
	}

	// Refresh: a token source whose access token has expired refreshes it.
	if token.RefreshToken != "" {
		expired := *token
		expired.Expiry = time.Now().Add(-time.Minute)
		refreshed, err := conf.TokenSource(ctx, &expired).Token()
		if err != nil {
			return nil, step("refresh (oauth2.TokenSource)", err)
		}
		out.Refresh = refreshReport{
			NewAccessToken:  refreshed.AccessToken != token.AccessToken,
			NewRefreshToken: refreshed.RefreshToken != "" && refreshed.RefreshToken != token.RefreshToken,
		}
		if raw, ok := refreshed.Extra("id_token").(string); ok {
			refreshedID, err := idVerifier.Verify(ctx, raw)
			if err != nil {
				return nil, step("refreshed ID token verification", err)
			}
			out.Refresh.IDTokenSubject = refreshedID.Subject
		}
	}

	// Client credentials for an API, with a resource indicator (RFC 8707).
	audience := env("API_AUDIENCE")
	cc := &clientcredentials.Config{
		ClientID:       env("SERVICE_CLIENT_ID"),
		ClientSecret:   env("SERVICE_CLIENT_SECRET"),
		TokenURL:       provider.Endpoint().TokenURL,
		Scopes:         strings.Fields(envOr("API_SCOPES", "")),
		EndpointParams: url.Values{"resource": {audience}},
	}
	serviceToken, err := cc.Token(ctx)
	if err != nil {
		return nil, step("client credentials (clientcredentials.Config.Token)", err)
	}
	ccScope, _ := serviceToken.Extra("scope").(string)
	out.ClientCredentials = ccReport{
		TokenType: serviceToken.Type(),
		Scope:     ccScope,
		ExpiresIn: int64(time.Until(serviceToken.Expiry).Round(time.Second) / time.Second),
	}
	if out.ClientCredentials.Header, err = jwtHeader(serviceToken.AccessToken); err != nil {
		return nil, step("access token header", err)
	}
	keySet := oidc.NewRemoteKeySet(ctx, metadata.JWKSURI)
	payload, err := keySet.VerifySignature(ctx, serviceToken.AccessToken)
	if err != nil {
		return nil, step("access token signature (RemoteKeySet.VerifySignature)", err)
	}
	atVerifier := oidc.NewVerifier(issuer, keySet, &oidc.Config{
		ClientID:             audience,
		SupportedSigningAlgs: metadata.IDTokenSigningAlgs,
	})
	if _, err := atVerifier.Verify(ctx, serviceToken.AccessToken); err != nil {
		return nil, step("access token issuer/audience/expiry (IDTokenVerifier.Verify)", err)
	}
	if err := json.Unmarshal(payload, &out.ClientCredentials.Verified); err != nil {
		return nil, step("access token claims", err)
	}
	other := oidc.NewVerifier(issuer, keySet, &oidc.Config{
		ClientID:             "https://other.example.test",
		SupportedSigningAlgs: metadata.IDTokenSigningAlgs,
	})
	if _, err := other.Verify(ctx, serviceToken.AccessToken); err != nil {
		out.ClientCredentials.WrongAudienceError = err.Error()
	}
	return out, nil
}

// signIn plays the browser: it opens authURL with a cookie jar, follows redirects within the
// issuer's origin, fills in the login form (and the consent form when shown), and returns the
// redirect to redirectURI together with the names of the pages it filled in.
func signIn(issuer, redirectURI, authURL, username, password string) (*url.URL, []string, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, nil, err
	}
	issuerURL, err := url.Parse(issuer)
	if err != nil {
		return nil, nil, err
	}
	browser := &http.Client{
		Jar:     jar,
		Timeout: 20 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != issuerURL.Scheme || req.URL.Host != issuerURL.Host {
				return http.ErrUseLastResponse // leaving SSO: the relying party's redirect_uri
			}
			if len(via) >= 20 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
	var pages []string
	response, requestErr := browser.Get(authURL)
	for range 5 {
		if requestErr != nil {
			return nil, pages, requestErr
		}
		if location := response.Header.Get("Location"); response.StatusCode >= 300 && response.StatusCode < 400 && location != "" {
			response.Body.Close()
			target, err := response.Request.URL.Parse(location)
			if err != nil {
				return nil, pages, err
			}
			if !strings.HasPrefix(target.String(), redirectURI) {
				return nil, pages, fmt.Errorf("redirected to %s, not to the redirect URI", target)
			}
			return target, pages, nil
		}
		body, err := io.ReadAll(response.Body)
		response.Body.Close()
		if err != nil {
			return nil, pages, err
		}
		forms, err := parseForms(response.Request.URL, body)
		if err != nil {
			return nil, pages, err
		}
		var next *form
		if login := findForm(forms, "/login"); login != nil {
			next = login
			next.fields.Set("login", username)
			next.fields.Set("password", password)
			pages = append(pages, "login")
		} else if consent := findForm(forms, "/confirm"); consent != nil {
			next = consent
			pages = append(pages, "consent")
		} else {
			return nil, pages, fmt.Errorf("%d at %s has neither a login nor a consent form:\n%s",
				response.StatusCode, response.Request.URL, truncate(string(body), 2000))
		}
		response, requestErr = browser.PostForm(next.action, next.fields)
	}
	return nil, pages, errors.New("sign-in did not reach the redirect URI")
}

type form struct {
	action string
	fields url.Values
}

// parseForms returns the POST forms of an HTML page with their actions resolved against base and
// their named input fields (as a browser would submit them before the user types).
func parseForms(base *url.URL, body []byte) ([]*form, error) {
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	var forms []*form
	var current *form
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" {
			action, _ := base.Parse(attr(n, "action"))
			current = &form{action: action.String(), fields: url.Values{}}
			if strings.EqualFold(attr(n, "method"), "post") {
				forms = append(forms, current)
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
			current = nil
			return
		}
		if n.Type == html.ElementNode && n.Data == "input" && current != nil && attr(n, "name") != "" {
			current.fields.Set(attr(n, "name"), attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return forms, nil
}

func findForm(forms []*form, suffix string) *form {
	for _, f := range forms {
		if action, err := url.Parse(f.action); err == nil && strings.HasSuffix(action.Path, suffix) {
			return f
		}
	}
	return nil
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// jwtHeader decodes a compact JWS's protected header (the signature is checked elsewhere).
func jwtHeader(jwt string) (map[string]any, error) {
	encoded, _, found := strings.Cut(jwt, ".")
	if !found {
		return nil, errors.New("not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return nil, err
	}
	header := map[string]any{}
	return header, json.Unmarshal(raw, &header)
}

func random() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// libraries reports the module versions this binary was built with.
func libraries() map[string]string {
	versions := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		versions["go"] = info.GoVersion
		for _, dep := range info.Deps {
			versions[dep.Path] = dep.Version
		}
	}
	return versions
}
