Feature: Connexion Gateway Export settings and their troubleshooting
  CARLI's "Configuring Connexion Client for Gateway Export" page (seeds/000): the common settings
  for all I-Share zones, the hosts and logon IDs table, and the troubleshooting list.

  Scenario Outline: The recommended settings for the <zone> need no fixing
    Given the Gateway Export settings are the recommended ones for host "<host>" and logon ID "<logon>"
    When the Gateway Export settings are checked
    Then the check finds nothing to fix

    Examples: Settings for Different Zones
      | zone            | host                                   | logon           |
      | Institution     | i-share-xyz.alma.exlibrisgroup.com     | 01CARLI_XYZ     |
      | Network         | i-share-network.alma.exlibrisgroup.com | 01CARLI_NETWORK |
      | Sandbox         | sandbox02-na.alma.exlibrisgroup.com    | 01CARLI_ABC     |
      | Network Sandbox | sandbox02-na.alma.exlibrisgroup.com    | 01CARLI_NETWORK |

  Scenario Outline: Host name "<host>" is not the bare host name
    Given the Gateway Export settings are the recommended ones for host "i-share-xyz.alma.exlibrisgroup.com" and logon ID "01CARLI_XYZ"
    And the Gateway Export settings are changed to:
      | setting   | value  |
      | Host Name | <host> |
    When the Gateway Export settings are checked
    Then the check finds:
      | finding   | setting   |
      | <finding> | Host Name |

    Examples:
      | host                                        | finding            |
      | https://i-share-xyz.alma.exlibrisgroup.com  | HOST_NAME_PROTOCOL |
      | i-share-xyz.alma.exlibrisgroup.com/         | HOST_NAME_PATH     |

  Scenario: The host name and the logon ID must correspond to each other
    Given the Gateway Export settings are the recommended ones for host "i-share-network.alma.exlibrisgroup.com" and logon ID "01CARLI_XYZ"
    When the Gateway Export settings are checked
    Then the check finds:
      | finding           |
      | LOGON_ID_MISMATCH |

  Scenario Outline: "<setting>" set to "<value>" is not CARLI's setting
    Given the Gateway Export settings are the recommended ones for host "i-share-xyz.alma.exlibrisgroup.com" and logon ID "01CARLI_XYZ"
    And the Gateway Export settings are changed to:
      | setting   | value   |
      | <setting> | <value> |
    When the Gateway Export settings are checked
    Then the check finds:
      | finding   |
      | <finding> |

    Examples: Common gateway export settings for all I-Share Zones
      | setting                                 | value     | finding              |
      | Port                                    | 5501      | PORT                 |
      | Permanent Connection                    | checked   | PERMANENT_CONNECTION |
      | Notify Host Before Disconnect           | checked   | NOTIFY_HOST          |
      | Timeout                                 | 30        | TIMEOUT              |
      | Retries                                 | 0         | RETRIES              |
      | Delay                                   | 5         | DELAY                |
      | Send Local System Login ID and Password | unchecked | SEND_LOCAL_LOGIN     |
      | Send User ID                            | checked   | SEND_USER_ID         |
      | Bibliographic Records Character Set     | MARC-8    | BIB_CHARSET          |
      | Authority Records Character Set         | MARC-8    | AUTHORITY_CHARSET    |
      | Bibliographic Record Export             | checked   | BATCH_BIB_EXPORT     |

  Scenario: A permanent connection is one of OCLC's causes of the client crash and of closed connections
    Given the Gateway Export settings are the recommended ones for host "i-share-xyz.alma.exlibrisgroup.com" and logon ID "01CARLI_XYZ"
    And the Gateway Export settings are changed to:
      | setting              | value   |
      | Permanent Connection | checked |
    When the Gateway Export settings are checked
    Then the check finds:
      | finding              | setting              | can cause    |
      | PERMANENT_CONNECTION | Permanent Connection | CLIENT_CRASH |
