"""Running a deployment: configuration versions, key rotation, retention."""
