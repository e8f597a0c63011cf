"""`tutorial preflight`: whether a lesson holds for N participants on this cluster and namespace, found without making anything."""
