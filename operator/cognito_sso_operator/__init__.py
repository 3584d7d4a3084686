"""Manage AWS Cognito SSO for OpenMetadata from one CognitoSSO resource."""

__version__ = "0.1.0"
