"""Sign-in through the unit's identity providers: 企业微信, 钉钉, OpenID Connect, CAS, LDAP.

Each is off until the deployment turns it on (config/settings/integrations.py). An
external identity links to an existing member by the unit's key (linking.py); nothing
here makes a login or grants a role.
"""
