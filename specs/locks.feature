Feature: Metadata Editor locks lapse 60 minutes after the last activity
  "Alma will unlock records 60 minutes after the cataloger exits the metadata editor." (CARLI)

  Background:
    Given the zone:
      | kind             | Network                                |
      | institution code | 01CARLI_NETWORK                        |
      | host             | i-share-network.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_NETWORK                        |
    And the zone has the CARLI integration profile with password "secret"
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | locked by            | last activity    |
      | 991234567890205681 | (OCoLC)1234567 | 01CARLI_ABC (jsmith) | 2026-03-05 09:00 |
    And the incoming record:
      | tag | indicators | subfields         |
      | 035 | ##         | $a (OCoLC)1234567 |

  Scenario Outline: A lock <minutes> minutes after the last activity <effect>
    Given the time now is "<now>"
    When the record is exported
    Then the outcome is <outcome>

    Examples:
      | minutes | now              | effect              | outcome          |
      | 0       | 2026-03-05 09:00 | still blocks        | NOT_ADDED_LOCKED |
      | 59      | 2026-03-05 09:59 | still blocks        | NOT_ADDED_LOCKED |
      | 60      | 2026-03-05 10:00 | has lapsed          | MERGED           |
      | 61      | 2026-03-05 10:01 | has lapsed          | MERGED           |

  Scenario: A Network Zone lock held by another institution blocks every member, and says who holds it
    Given the time now is "2026-03-05 09:45"
    When the record is exported
    Then the outcome is NOT_ADDED_LOCKED
    And the lock is held by "01CARLI_ABC (jsmith)" since "2026-03-05 09:00"
    And the trace shows:
      | stage | verdict | says                    |
      | lock  | failed  | lapses at 2026-03-05T10:00 |

  Scenario: Times may be written as catalogers write them, as almamatch --now takes them
    Given the time now is "March 5, 2026 9:59 AM"
    When the record is exported
    Then the outcome is NOT_ADDED_LOCKED
    And the lock is held by "01CARLI_ABC (jsmith)" since "March 5, 2026 9:00 AM"
    Given the time now is "March 5, 2026 10:00 AM"
    When the record is exported again
    Then the outcome is MERGED
