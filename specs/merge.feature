Feature: What a merge keeps
  For Connexion "the preferred record is the local record in Alma" (Ex Libris): the merge method's
  rules decide which fields of the existing bib survive the incoming record.

  Background:
    Given the zone:
      | kind             | Institution                        |
      | institution code | 01CARLI_XYZ                        |
      | host             | i-share-xyz.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_XYZ                        |
    And the zone has the CARLI integration profile with password "secret"
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 |
      | 991234567890205681 | (OCoLC)1234567 | #         |
    And bib "991234567890205681" also has these fields:
      | tag | indicators | subfields                      |
      | 245 | 10         | $a Pride & prejudice           |
      | 590 | ##         | $a Gift of the author $9 LOCAL |
      | 949 | ##         | $a Local call number note      |
    And the incoming record:
      | tag | indicators | subfields                                |
      | 005 |            | 20260301101500.0                         |
      | 035 | ##         | $a (OCoLC)1234567                        |
      | 245 | 10         | $a Pride and prejudice / $c Jane Austen. |

  Scenario: "Overlay all fields but local" takes WorldCat's fields and keeps local extensions and 9XX
    When the record is exported
    Then the outcome is MERGED
    And the saved record has these fields:
      | tag | indicators | subfields                                |
      | 245 | 10         | $a Pride and prejudice / $c Jane Austen. |
      | 590 | ##         | $a Gift of the author $9 LOCAL           |
      | 949 | ##         | $a Local call number note                |

  Scenario: "Keep only old value" keeps the bib as it was
    Given the merge method is "Keep only old value"
    When the record is exported
    Then the outcome is MERGED
    And the saved record has these fields:
      | tag | indicators | subfields            |
      | 245 | 10         | $a Pride & prejudice |

  Scenario: "Overlay all fields but local" replaces the old 245 and leaves one OCLC number
    When the record is exported
    Then the outcome is MERGED
    And the saved record does not have these fields:
      | tag | indicators | subfields            |
      | 245 | 10         | $a Pride & prejudice |
    And the saved record has exactly one 245 field
    And the saved record has exactly one 035 field with "(OCoLC)"
    And the saved record has these fields:
      | tag | indicators | subfields                                |
      | 245 | 10         | $a Pride and prejudice / $c Jane Austen. |

  Scenario: "Keep only old value" keeps the old 245 and adds no second one
    Given the merge method is "Keep only old value"
    When the record is exported
    Then the outcome is MERGED
    And the saved record has exactly one 245 field
    And the saved record does not have these fields:
      | tag | indicators | subfields                                |
      | 245 | 10         | $a Pride and prejudice / $c Jane Austen. |
