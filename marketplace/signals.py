"""Domain signals: what happened, announced by the package that made it happen and heard
by packages above it in the layer order (docs/architecture.md).

A service sends a signal after the change is flushed, inside the caller's transaction;
receivers run synchronously in that same transaction, so what they write (notifications,
e-mails in the outbox) is committed or rolled back with the change itself. A receiver
must not commit, and an exception in it fails the request like any other service error.

Every signal is sent with the changed object as the sender and ``actor`` (the user who
acted, or None for the system) as a keyword argument:

======================  ==================  =========================================
signal                  sender              sent by
======================  ==================  =========================================
listing_approved        Opportunity|Product listings.services.review
listing_returned        Opportunity|Product listings.services.review
listing_published       Opportunity|Product listings.services.publish
question_asked          Question            proposals.services.ask
question_answered       Question            proposals.services.answer
proposal_submitted      Proposal            proposals.services.submit
proposal_decided        Proposal            proposals.services.decide
match_advanced          Match               matching.pairings (a pairing started or
                                            moved to another stage), matching.signing
                                            (a signing confirmed)
signing_recorded        Match               matching.signing.record (one side recorded
                                            the signing: the other is to confirm)
signing_disputed        Match               matching.signing.dispute (also ``reason``
                                            and ``recorder_id``, the organization whose
                                            record was disputed)
======================  ==================  =========================================

Subscribers today: ``notifications.subscribers`` (tells the users concerned). Connect
receivers at import time of a module the app factory imports, never per request.
"""
from blinker import Namespace

_domain = Namespace()

listing_approved = _domain.signal("listing-approved")
listing_returned = _domain.signal("listing-returned")
listing_published = _domain.signal("listing-published")
question_asked = _domain.signal("question-asked")
question_answered = _domain.signal("question-answered")
proposal_submitted = _domain.signal("proposal-submitted")
proposal_decided = _domain.signal("proposal-decided")
match_advanced = _domain.signal("match-advanced")
signing_recorded = _domain.signal("signing-recorded")
signing_disputed = _domain.signal("signing-disputed")
