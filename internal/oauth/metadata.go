package oauth

import (
	"strings"
)

// ProtectedResourceMetadata is the RFC 9728 §2 document.
type ProtectedResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// ProtectedResourceMetadata returns the PRM document. scopes_supported lists
// only the four content scopes, never offline_access, so clients that ask
// for "what the server lists" ask for exactly these (DESIGN.md, Scopes).
func (s *Service) ProtectedResourceMetadata() ProtectedResourceMetadata {
	return ProtectedResourceMetadata{
		Resource: s.resource, AuthorizationServers: []string{s.issuer}, ScopesSupported: ContentScopes(),
		BearerMethodsSupported: []string{"header"}, ResourceName: s.opts.ResourceName,
	}
}

// ProtectedResourceMetadataFor returns the PRM document for the resource at
// path: the legacy SSE endpoint gets its own resource identifier (RFC 9728
// §3.3: the resource "MUST be identical to the protected resource's resource
// identifier value into which the well-known URI path suffix was inserted");
// every other path gets the canonical document.
func (s *Service) ProtectedResourceMetadataFor(path string) ProtectedResourceMetadata {
	m := s.ProtectedResourceMetadata()
	if strings.EqualFold(strings.TrimSuffix(path, "/"), LegacySSEPath) {
		m.Resource = s.issuer + LegacySSEPath
	}
	return m
}

// ResourceMetadataURL is the absolute URL of the path-inserted PRM document
// (RFC 9728 §3.1), used in the WWW-Authenticate challenge.
func (s *Service) ResourceMetadataURL() string {
	return s.issuer + "/.well-known/oauth-protected-resource" + s.resourcePath
}

// AuthorizationServerMetadata is the RFC 8414 §2 document served at every
// discovery path.
type AuthorizationServerMetadata struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	RegistrationEndpoint                       string   `json:"registration_endpoint"`
	RevocationEndpoint                         string   `json:"revocation_endpoint"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	ResponseModesSupported                     []string `json:"response_modes_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported"`
	ClientIDMetadataDocumentSupported          bool     `json:"client_id_metadata_document_supported"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
	ScopesSupported                            []string `json:"scopes_supported"`
}

// AuthorizationServerMetadata returns the one RFC 8414 document. Claude
// chooses CIMD only when client_id_metadata_document_supported is true AND
// "none" is an auth method (CONNECTORS.md §2.2); openid, profile and email
// are listed because ChatGPT asks for them and they are accepted and
// ignored; private_key_jwt is not listed because it is not implemented.
func (s *Service) AuthorizationServerMetadata() AuthorizationServerMetadata {
	methods := []string{AuthMethodNone, AuthMethodClientSecretPost, AuthMethodClientSecretBasic}
	return AuthorizationServerMetadata{
		Issuer:                                     s.issuer,
		AuthorizationEndpoint:                      s.issuer + "/authorize",
		TokenEndpoint:                              s.issuer + "/token",
		RegistrationEndpoint:                       s.issuer + "/register",
		RevocationEndpoint:                         s.issuer + "/revoke",
		IntrospectionEndpoint:                      s.issuer + "/introspect",
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     []string{"query"},
		GrantTypesSupported:                        []string{"authorization_code", "refresh_token"},
		CodeChallengeMethodsSupported:              []string{"S256"},
		TokenEndpointAuthMethodsSupported:          methods,
		RevocationEndpointAuthMethodsSupported:     methods,
		IntrospectionEndpointAuthMethodsSupported:  methods,
		ClientIDMetadataDocumentSupported:          true,
		AuthorizationResponseIssParameterSupported: true,
		ScopesSupported:                            append(ContentScopes(), ScopeOfflineAccess, "openid", "profile", "email"),
	}
}

// Challenge builds the WWW-Authenticate value for the MCP endpoint (RFC 6750
// §3, RFC 9728 §5.1). errCode is "" when no token was sent (RFC 6750 §3.1:
// "If the request lacks any authentication information ... the resource
// server SHOULD NOT include an error code"), ErrCodeInvalidToken for a bad
// token (401) or ErrCodeInsufficientScope (403) with the scopes needed.
// scopes nil means the four content scopes. resource_metadata is absolute
// (CONNECTORS.md §0 item 1).
func (s *Service) Challenge(errCode, description string, scopes []string) string {
	if scopes == nil {
		scopes = ContentScopes()
	}
	var b strings.Builder
	b.WriteString("Bearer ")
	if errCode != "" {
		b.WriteString(`error="` + quoteSafe(errCode) + `", `)
		if description != "" {
			b.WriteString(`error_description="` + quoteSafe(description) + `", `)
		}
	}
	b.WriteString(`resource_metadata="` + s.ResourceMetadataURL() + `"`)
	if len(scopes) > 0 {
		b.WriteString(`, scope="` + quoteSafe(FormatScope(scopes)) + `"`)
	}
	return b.String()
}

// quoteSafe keeps the RFC 6750 §3 character set for quoted values
// (%x20-21 / %x23-5B / %x5D-7E): no quotes, backslashes or controls.
func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, s)
}
