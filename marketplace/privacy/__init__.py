"""A person's own data (个人信息保护法 arts. 45 and 47): a copy of what the platform holds
about them, and erasure of their account on request."""
