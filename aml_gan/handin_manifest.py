"""The graded cells of every released notebook, for ``aml_gan.handin`` (students have no release
folder). GENERATED from notebooks/ by `make release` (python -m aml_gan.handin --write-manifest);
do not edit."""

MANIFEST = {'01_motivation': {'cells': [{'cell_type': 'markdown',
                              'id': 'b8810b76',
                              'metadata': {'deletable': False,
                                           'nbgrader': {'cell_type': 'markdown',
                                                        'checksum': '70c005ec28a5d0e3b0ba15cbc6fa4775',
                                                        'grade': True,
                                                        'grade_id': 'thinking_break_nash',
                                                        'locked': False,
                                                        'points': 2,
                                                        'schema_version': 3,
                                                        'solution': True,
                                                        'task': False}},
                              'source': 'YOUR ANSWER HERE'},
                             {'cell_type': 'markdown',
                              'id': 'f6ed2f20',
                              'metadata': {'deletable': False,
                                           'nbgrader': {'cell_type': 'markdown',
                                                        'checksum': '29c90e04c0ca4d50977a4ec95cd49d7f',
                                                        'grade': True,
                                                        'grade_id': 'thinking_break_held_out',
                                                        'locked': False,
                                                        'points': 2,
                                                        'schema_version': 3,
                                                        'solution': True,
                                                        'task': False}},
                              'source': 'YOUR ANSWER HERE'},
                             {'cell_type': 'code',
                              'id': 'f0753d3e',
                              'metadata': {'deletable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': '1870a847490061317300d5e086e68fdc',
                                                        'grade': False,
                                                        'grade_id': 'detector_accuracy',
                                                        'locked': False,
                                                        'schema_version': 3,
                                                        'solution': True,
                                                        'task': False}},
                              'source': 'def detector_accuracy(real, fake, seed=0):\n'
                                        '    """Balanced held-out accuracy of a classifier trained to tell '
                                        'real rows (label 1) from fake rows (label 0).\n'
                                        '\n'
                                        '    real: (n, d) or (n,) tensor; fake: (m, d) or (m,) tensor with '
                                        'the same d (m may differ from n).\n'
                                        '    seed: seeds the train/test split and the classifier.\n'
                                        '    Returns a float in [0, 1]: about 0.5 when both samples come '
                                        'from the same distribution.\n'
                                        '    """\n'
                                        '    # YOUR CODE HERE\n'
                                        '    raise NotImplementedError()'},
                             {'cell_type': 'code',
                              'id': '94bc830b',
                              'metadata': {'deletable': False,
                                           'editable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': 'c1162efe6bafcc4d64d5226b1d205f67',
                                                        'grade': True,
                                                        'grade_id': 'test_detector_basics',
                                                        'locked': True,
                                                        'points': 1,
                                                        'schema_version': 3,
                                                        'solution': False,
                                                        'task': False}},
                              'source': 'from aml_gan.checks import check_two_sample_basics\n'
                                        'report = check_two_sample_basics(detector_accuracy)\n'
                                        'display(report)  # green when every check passes; otherwise it '
                                        'names the bug and the fix\n'
                                        'report.raise_for_problems()'},
                             {'cell_type': 'code',
                              'id': 'd860e9d3',
                              'metadata': {'deletable': False,
                                           'editable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': '8405928bb426e6e672e4e1beef2966fe',
                                                        'grade': True,
                                                        'grade_id': 'test_detector_behaviour',
                                                        'locked': True,
                                                        'points': 3,
                                                        'schema_version': 3,
                                                        'solution': False,
                                                        'task': False}},
                              'source': 'from aml_gan.checks import check_two_sample_test\n'
                                        'report = check_two_sample_test(detector_accuracy)\n'
                                        'display(report)  # green when every check passes; otherwise it '
                                        'names the bug and the fix\n'
                                        'report.raise_for_problems()'},
                             {'cell_type': 'markdown',
                              'id': 'ff1576ae',
                              'metadata': {'deletable': False,
                                           'nbgrader': {'cell_type': 'markdown',
                                                        'checksum': '6dbd4a6fae7cf6bd166256b0f58c5637',
                                                        'grade': True,
                                                        'grade_id': 'thinking_break_not_proof',
                                                        'locked': False,
                                                        'points': 2,
                                                        'schema_version': 3,
                                                        'solution': True,
                                                        'task': False}},
                              'source': 'YOUR ANSWER HERE'}],
                   'notebook': '01_motivation.ipynb'},
 '02_losses': {'cells': [{'cell_type': 'code',
                          'id': 'discriminator-loss',
                          'metadata': {'deletable': False,
                                       'nbgrader': {'cell_type': 'code',
                                                    'checksum': '862e43bcbdc9c86fb8666e10f6c943f5',
                                                    'grade': False,
                                                    'grade_id': 'discriminator_loss',
                                                    'locked': False,
                                                    'schema_version': 3,
                                                    'solution': True,
                                                    'task': False}},
                          'source': 'def discriminator_loss(d_real, d_fake):\n'
                                    '    """The detective\'s loss: mean over the batch of -log D(x) - log(1 '
                                    '- D(G(z))).\n'
                                    '\n'
                                    '    d_real: (batch, 1) scores of real samples; d_fake: (batch, 1) '
                                    'scores of fakes.\n'
                                    '    Returns a 0-d tensor, finite even when a score is exactly 0 or 1.\n'
                                    '    """\n'
                                    '    # YOUR CODE HERE\n'
                                    '    raise NotImplementedError()'},
                         {'cell_type': 'code',
                          'id': 'test-discriminator-loss',
                          'metadata': {'deletable': False,
                                       'editable': False,
                                       'nbgrader': {'cell_type': 'code',
                                                    'checksum': '59b2ab471d9ef705261deab0af47e32c',
                                                    'grade': True,
                                                    'grade_id': 'test_discriminator_loss',
                                                    'locked': True,
                                                    'points': 3,
                                                    'schema_version': 3,
                                                    'solution': False,
                                                    'task': False}},
                          'source': 'from aml_gan.checks import check_discriminator_loss\n'
                                    'report = check_discriminator_loss(discriminator_loss)\n'
                                    'display(report)  # green when every check passes; otherwise it names '
                                    'the bug and the fix\n'
                                    'report.raise_for_problems()'},
                         {'cell_type': 'code',
                          'id': 'generator-loss',
                          'metadata': {'deletable': False,
                                       'nbgrader': {'cell_type': 'code',
                                                    'checksum': '3a8ebd9dbc952353418124e749b1acea',
                                                    'grade': False,
                                                    'grade_id': 'generator_loss',
                                                    'locked': False,
                                                    'schema_version': 3,
                                                    'solution': True,
                                                    'task': False}},
                          'source': 'def generator_loss(d_fake):\n'
                                    '    """The counterfeiter\'s non-saturating loss: mean over the batch of '
                                    '-log D(G(z)).\n'
                                    '\n'
                                    '    d_fake: (batch, 1) scores of the fakes. Returns a 0-d tensor, '
                                    'finite at D(G(z)) = 0.\n'
                                    '    """\n'
                                    '    # YOUR CODE HERE\n'
                                    '    raise NotImplementedError()'},
                         {'cell_type': 'code',
                          'id': 'test-generator-loss',
                          'metadata': {'deletable': False,
                                       'editable': False,
                                       'nbgrader': {'cell_type': 'code',
                                                    'checksum': '1d49985ecb51250c8d8ae963477e3487',
                                                    'grade': True,
                                                    'grade_id': 'test_generator_loss',
                                                    'locked': True,
                                                    'points': 2,
                                                    'schema_version': 3,
                                                    'solution': False,
                                                    'task': False}},
                          'source': 'from aml_gan.checks import check_generator_loss\n'
                                    'report = check_generator_loss(generator_loss)\n'
                                    'display(report)  # green when every check passes; otherwise it names '
                                    'the bug and the fix\n'
                                    'report.raise_for_problems()'},
                         {'cell_type': 'markdown',
                          'id': 'thinking-break-generator-loss',
                          'metadata': {'deletable': False,
                                       'nbgrader': {'cell_type': 'markdown',
                                                    'checksum': 'c7f46457684ea48c5c34bbd09772520c',
                                                    'grade': True,
                                                    'grade_id': 'thinking_break_generator_loss',
                                                    'locked': False,
                                                    'points': 2,
                                                    'schema_version': 3,
                                                    'solution': True,
                                                    'task': False}},
                          'source': 'YOUR ANSWER HERE'},
                         {'cell_type': 'code',
                          'id': 'margin-losses',
                          'metadata': {'deletable': False,
                                       'nbgrader': {'cell_type': 'code',
                                                    'checksum': '5bf7bfda8c9b00b9f49be6324a0c7f41',
                                                    'grade': False,
                                                    'grade_id': 'margin_losses',
                                                    'locked': False,
                                                    'schema_version': 3,
                                                    'solution': True,
                                                    'task': False}},
                          'source': 'def margin_losses(c_real, c_fake, margin):\n'
                                    '    """Energy-based GAN losses with a cost network C (low cost = '
                                    'real).\n'
                                    '\n'
                                    '    c_real: (batch, 1) costs C(x) of real samples; c_fake: (batch, 1) '
                                    'costs C(G(z)) of fakes;\n'
                                    '    margin: m > 0. Returns (cost_loss, gen_loss), two 0-d tensors:\n'
                                    '    cost_loss = mean C(x) + mean max(0, m - C(G(z))), gen_loss = mean '
                                    'C(G(z)).\n'
                                    '    """\n'
                                    '    # YOUR CODE HERE\n'
                                    '    raise NotImplementedError()'},
                         {'cell_type': 'code',
                          'id': 'test-margin-losses',
                          'metadata': {'deletable': False,
                                       'editable': False,
                                       'nbgrader': {'cell_type': 'code',
                                                    'checksum': 'd99e8449e71c5ed8b1cafde0577fb854',
                                                    'grade': True,
                                                    'grade_id': 'test_margin_losses',
                                                    'locked': True,
                                                    'points': 3,
                                                    'schema_version': 3,
                                                    'solution': False,
                                                    'task': False}},
                          'source': 'from aml_gan.checks import check_margin_losses\n'
                                    'report = check_margin_losses(margin_losses)\n'
                                    'display(report)  # green when every check passes; otherwise it names '
                                    'the bug and the fix\n'
                                    'report.raise_for_problems()'}],
               'notebook': '02_losses.ipynb'},
 '03_training_loop': {'cells': [{'cell_type': 'code',
                                 'id': 'train-step',
                                 'metadata': {'deletable': False,
                                              'nbgrader': {'cell_type': 'code',
                                                           'checksum': 'ed2cdc22019831e7787d2b6e00a13527',
                                                           'grade': False,
                                                           'grade_id': 'train_step',
                                                           'locked': False,
                                                           'schema_version': 3,
                                                           'solution': True,
                                                           'task': False}},
                                 'source': 'def train_step(gen, disc, gen_optim, disc_optim, real_batch, '
                                           'latent_dim):\n'
                                           '    """One GAN update on one batch: the generator\'s turn, then '
                                           "the discriminator's.\n"
                                           '\n'
                                           "    real_batch: (batch, ...) real samples on the networks' "
                                           'device; latent_dim: noise size.\n'
                                           '    Returns (generator_loss, discriminator_loss) as Python '
                                           'floats.\n'
                                           '    """\n'
                                           '    # YOUR CODE HERE\n'
                                           '    raise NotImplementedError()'},
                                {'cell_type': 'code',
                                 'id': 'test-train-step',
                                 'metadata': {'deletable': False,
                                              'editable': False,
                                              'nbgrader': {'cell_type': 'code',
                                                           'checksum': 'db89913560692bcd487d0a6039cda053',
                                                           'grade': True,
                                                           'grade_id': 'test_train_step',
                                                           'locked': True,
                                                           'points': 4,
                                                           'schema_version': 3,
                                                           'solution': False,
                                                           'task': False}},
                                 'source': 'from aml_gan.checks import check_train_step\n'
                                           'report = check_train_step(train_step)\n'
                                           'display(report)  # green when every check passes; otherwise it '
                                           'names the bug and the fix\n'
                                           'report.raise_for_problems()'},
                                {'cell_type': 'code',
                                 'id': 'test-train-step-other-networks',
                                 'metadata': {'deletable': False,
                                              'editable': False,
                                              'nbgrader': {'cell_type': 'code',
                                                           'checksum': '09feb2711992702ea5600442cebb64fd',
                                                           'grade': True,
                                                           'grade_id': 'test_train_step_other_networks',
                                                           'locked': True,
                                                           'points': 2,
                                                           'schema_version': 3,
                                                           'solution': False,
                                                           'task': False}},
                                 'source': 'from aml_gan.checks import check_train_step\n'
                                           '\n'
                                           'def other_networks(latent_dim, data_dim):\n'
                                           '    torch.manual_seed(5)\n'
                                           '    other_gen = nn.Sequential(nn.Linear(latent_dim, 24), '
                                           'nn.BatchNorm1d(24), nn.ReLU(), nn.Linear(24, data_dim))\n'
                                           '    other_disc = nn.Sequential(nn.Linear(data_dim, 24), '
                                           'nn.BatchNorm1d(24), nn.LeakyReLU(0.2), nn.Linear(24, 1), '
                                           'nn.Sigmoid())\n'
                                           '    return other_gen, other_disc\n'
                                           '\n'
                                           'other_gen, other_disc = other_networks(latent_dim=5, '
                                           "data_dim=3)   # 3-D samples, not the notebook's 2-D\n"
                                           'report = check_train_step(train_step, gen=other_gen, '
                                           'disc=other_disc, latent_dim=5)\n'
                                           'display(report)  # green when every check passes; otherwise it '
                                           'names the bug and the fix\n'
                                           'report.raise_for_problems()'},
                                {'cell_type': 'code',
                                 'id': 'e4d1a01d',
                                 'metadata': {'deletable': False,
                                              'nbgrader': {'cell_type': 'code',
                                                           'checksum': '7e68df3bc093cbc15742393248a787b7',
                                                           'grade': False,
                                                           'grade_id': 'train_gan',
                                                           'locked': False,
                                                           'schema_version': 3,
                                                           'solution': True,
                                                           'task': False}},
                                 'source': 'def train_gan(gen, disc, gen_optim, disc_optim, samples, '
                                           'latent_dim, epochs, batch_size, step_fn):\n'
                                           '    """Train a GAN for `epochs` passes over `samples`, one '
                                           '`step_fn` call per shuffled batch.\n'
                                           '\n'
                                           "    samples: (N, ...) real samples on the networks' device; "
                                           "step_fn has train_step's signature.\n"
                                           '    Returns {"gen_loss": [...], "disc_loss": [...]}: the two '
                                           'losses of every step, in order.\n'
                                           '    """\n'
                                           '    # YOUR CODE HERE\n'
                                           '    raise NotImplementedError()'},
                                {'cell_type': 'code',
                                 'id': 'd9339f96',
                                 'metadata': {'deletable': False,
                                              'editable': False,
                                              'nbgrader': {'cell_type': 'code',
                                                           'checksum': '766e2ea9d61d0f1946834f722c8d6a7e',
                                                           'grade': True,
                                                           'grade_id': 'test_training_loop',
                                                           'locked': True,
                                                           'points': 3,
                                                           'schema_version': 3,
                                                           'solution': False,
                                                           'task': False}},
                                 'source': 'from aml_gan.checks import check_training_loop\n'
                                           'report = check_training_loop(train_gan)\n'
                                           'display(report)  # green when every check passes; otherwise it '
                                           'names the bug and the fix\n'
                                           'report.raise_for_problems()'}],
                      'notebook': '03_training_loop.ipynb'},
 '04_sequence_gan': {'cells': [{'cell_type': 'code',
                                'id': 'nb04-14',
                                'metadata': {'deletable': False,
                                             'nbgrader': {'cell_type': 'code',
                                                          'checksum': '9eeecc2311fba0e05b7d82cc9c387b1d',
                                                          'grade': False,
                                                          'grade_id': 'sequence_generator',
                                                          'locked': False,
                                                          'schema_version': 3,
                                                          'solution': True,
                                                          'task': False}},
                                'source': 'class SequenceGenerator(nn.Module):\n'
                                          '    """Noise (batch, latent_dim) -> scaled sequences (batch, 5), '
                                          'each value in (-1, 1)."""\n'
                                          '\n'
                                          '    def __init__(self, latent_dim=LATENT_DIM):\n'
                                          '        super().__init__()\n'
                                          '        # YOUR CODE HERE\n'
                                          '        raise NotImplementedError()\n'
                                          '\n'
                                          '    def forward(self, z):\n'
                                          '        # YOUR CODE HERE\n'
                                          '        raise NotImplementedError()'},
                               {'cell_type': 'code',
                                'id': 'nb04-15',
                                'metadata': {'deletable': False,
                                             'nbgrader': {'cell_type': 'code',
                                                          'checksum': '343d2733732cd452d4932ca24589ca4c',
                                                          'grade': False,
                                                          'grade_id': 'sequence_discriminator',
                                                          'locked': False,
                                                          'schema_version': 3,
                                                          'solution': True,
                                                          'task': False}},
                                'source': 'class SequenceDiscriminator(nn.Module):\n'
                                          '    """Scaled sequences (batch, 5) -> probability that each one '
                                          'is real, (batch, 1)."""\n'
                                          '\n'
                                          '    def __init__(self):\n'
                                          '        super().__init__()\n'
                                          '        # YOUR CODE HERE\n'
                                          '        raise NotImplementedError()\n'
                                          '\n'
                                          '    def forward(self, x):\n'
                                          '        # YOUR CODE HERE\n'
                                          '        raise NotImplementedError()'},
                               {'cell_type': 'markdown',
                                'id': '4bdd971b',
                                'metadata': {'deletable': False,
                                             'nbgrader': {'cell_type': 'markdown',
                                                          'checksum': 'eabf26c5f5a8c70db4e6e54f90355505',
                                                          'grade': True,
                                                          'grade_id': 'thinking_break_input_shape',
                                                          'locked': False,
                                                          'points': 2,
                                                          'schema_version': 3,
                                                          'solution': True,
                                                          'task': False}},
                                'source': 'YOUR ANSWER HERE'},
                               {'cell_type': 'code',
                                'id': 'nb04-17',
                                'metadata': {'deletable': False,
                                             'editable': False,
                                             'nbgrader': {'cell_type': 'code',
                                                          'checksum': 'cae7f7d910681820df606fbb0e25fc6e',
                                                          'grade': True,
                                                          'grade_id': 'test_sequence_generator',
                                                          'locked': True,
                                                          'points': 2,
                                                          'schema_version': 3,
                                                          'solution': False,
                                                          'task': False}},
                                'source': 'from aml_gan.checks import check_sequence_generator\n'
                                          "# your class must work for any noise size: the notebook's "
                                          'LATENT_DIM, and 3\n'
                                          'reports = [check_sequence_generator(SequenceGenerator, '
                                          'latent_dim=size) for size in (LATENT_DIM, 3)]\n'
                                          'report = next((r for r in reports if not r.passed), reports[0])\n'
                                          'display(report)  # green when every check passes; otherwise it '
                                          'names the bug and the fix\n'
                                          'report.raise_for_problems()'},
                               {'cell_type': 'code',
                                'id': 'nb04-18',
                                'metadata': {'deletable': False,
                                             'editable': False,
                                             'nbgrader': {'cell_type': 'code',
                                                          'checksum': '18ddc859795b146551c98a459ea49d0a',
                                                          'grade': True,
                                                          'grade_id': 'test_sequence_discriminator',
                                                          'locked': True,
                                                          'points': 2,
                                                          'schema_version': 3,
                                                          'solution': False,
                                                          'task': False}},
                                'source': 'from aml_gan.checks import check_sequence_discriminator\n'
                                          'report = check_sequence_discriminator(SequenceDiscriminator)\n'
                                          'display(report)\n'
                                          'report.raise_for_problems()'},
                               {'cell_type': 'code',
                                'id': 'nb04-20',
                                'metadata': {'deletable': False,
                                             'nbgrader': {'cell_type': 'code',
                                                          'checksum': '3505c4a766e4d06bee0dc0351e448112',
                                                          'grade': False,
                                                          'grade_id': 'train_step',
                                                          'locked': False,
                                                          'schema_version': 3,
                                                          'solution': True,
                                                          'task': False}},
                                'source': 'def train_step(gen, disc, gen_optim, disc_optim, real_batch, '
                                          'latent_dim):\n'
                                          '    """One GAN update on one batch of scaled real sequences '
                                          '(batch, 5).\n'
                                          '\n'
                                          '    Returns (generator_loss, discriminator_loss) as Python '
                                          'floats.\n'
                                          '    """\n'
                                          '    # YOUR CODE HERE\n'
                                          '    raise NotImplementedError()'},
                               {'cell_type': 'code',
                                'id': 'nb04-22',
                                'metadata': {'deletable': False,
                                             'editable': False,
                                             'nbgrader': {'cell_type': 'code',
                                                          'checksum': '6264a3521e264387f07ce170e264877d',
                                                          'grade': True,
                                                          'grade_id': 'test_train_step',
                                                          'locked': True,
                                                          'points': 3,
                                                          'schema_version': 3,
                                                          'solution': False,
                                                          'task': False}},
                                'source': 'import warnings\n'
                                          '\n'
                                          'from aml_gan.checks import check_sequence_discriminator, '
                                          'check_sequence_generator, check_train_step\n'
                                          'from aml_gan.fallback import yours_or_reference\n'
                                          'from aml_gan.models import DenseDiscriminator, DenseGenerator\n'
                                          'step_gen = yours_or_reference(SequenceGenerator, DenseGenerator, '
                                          'check_sequence_generator, latent_dim=LATENT_DIM)\n'
                                          'step_disc = yours_or_reference(SequenceDiscriminator, '
                                          'DenseDiscriminator, check_sequence_discriminator)\n'
                                          'with warnings.catch_warnings(), torch.random.fork_rng():  # a '
                                          'warning from your layers costs no points here\n'
                                          '    warnings.simplefilter("ignore")\n'
                                          '    torch.manual_seed(0)  # the same starting weights whatever '
                                          "ran before; the notebook's random state is kept\n"
                                          '    gen_for_step, disc_for_step = step_gen(LATENT_DIM), '
                                          'step_disc()\n'
                                          'report = check_train_step(train_step, gen=gen_for_step, '
                                          'disc=disc_for_step, latent_dim=LATENT_DIM,\n'
                                          '                          batch=first_batch[:8])\n'
                                          'display(report)\n'
                                          'report.raise_for_problems()'},
                               {'cell_type': 'code',
                                'id': 'nb04-24',
                                'metadata': {'deletable': False,
                                             'editable': False,
                                             'nbgrader': {'cell_type': 'code',
                                                          'checksum': '51871499825e484dc95db4b146e2cfd1',
                                                          'grade': True,
                                                          'grade_id': 'test_gan_training',
                                                          'locked': True,
                                                          'points': 5,
                                                          'schema_version': 3,
                                                          'solution': False,
                                                          'task': False}},
                                'source': 'from aml_gan.checks import check_sequence_gan_training\n'
                                          'report = check_sequence_gan_training(SequenceGenerator, '
                                          'SequenceDiscriminator, train_step, latent_dim=LATENT_DIM)\n'
                                          'display(report)\n'
                                          'print({name: round(value, 3) for name, value in '
                                          'report.metrics.items()})  # validity and coverage it reached, and '
                                          'when\n'
                                          'report.raise_for_problems()'}],
                     'notebook': '04_sequence_gan.ipynb'},
 '05_dcgan_pets': {'cells': [{'cell_type': 'code',
                              'id': 'generator-block',
                              'metadata': {'deletable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': '12ddadbac62b3836afcab4200145d6bd',
                                                        'grade': False,
                                                        'grade_id': 'generator_block',
                                                        'locked': False,
                                                        'schema_version': 3,
                                                        'solution': True,
                                                        'task': False}},
                              'source': 'def generator_block(in_channels, out_channels, first=False):\n'
                                        '    """ConvTranspose2d (kernel 4, no bias) -> BatchNorm2d -> ReLU.\n'
                                        '\n'
                                        '    first=True:  (B, in_channels, 1, 1) -> (B, out_channels, 4, 4)\n'
                                        '    first=False: (B, in_channels, H, W) -> (B, out_channels, 2H, '
                                        '2W)\n'
                                        '    (the stride and padding that make these shapes are yours to '
                                        'work out: see above)\n'
                                        '    """\n'
                                        '    # YOUR CODE HERE\n'
                                        '    raise NotImplementedError()'},
                             {'cell_type': 'code',
                              'id': 'test-generator-block',
                              'metadata': {'deletable': False,
                                           'editable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': '9046b15e48dd7d34a44b6edd4d7a0a7a',
                                                        'grade': True,
                                                        'grade_id': 'test_generator_block',
                                                        'locked': True,
                                                        'points': 2,
                                                        'schema_version': 3,
                                                        'solution': False,
                                                        'task': False}},
                              'source': 'from aml_gan.checks import check_generator_block\n'
                                        'report = check_generator_block(generator_block)\n'
                                        'display(report)  # green when every check passes; otherwise it '
                                        'names the bug and the fix\n'
                                        'report.raise_for_problems()'},
                             {'cell_type': 'code',
                              'id': 'discriminator-block',
                              'metadata': {'deletable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': 'f38eca0908c2c0314ab179911506a609',
                                                        'grade': False,
                                                        'grade_id': 'discriminator_block',
                                                        'locked': False,
                                                        'schema_version': 3,
                                                        'solution': True,
                                                        'task': False}},
                              'source': 'def discriminator_block(in_channels, out_channels, '
                                        'batch_norm=True):\n'
                                        '    """Conv2d (kernel 4, no bias; stride and padding: see above) -> '
                                        '[BatchNorm2d] -> LeakyReLU(0.2).\n'
                                        '\n'
                                        '    (B, in_channels, H, W) -> (B, out_channels, H/2, W/2)\n'
                                        '    """\n'
                                        '    # YOUR CODE HERE\n'
                                        '    raise NotImplementedError()'},
                             {'cell_type': 'code',
                              'id': 'test-discriminator-block',
                              'metadata': {'deletable': False,
                                           'editable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': 'f75042b157ae5bf13a215289591d3e1d',
                                                        'grade': True,
                                                        'grade_id': 'test_discriminator_block',
                                                        'locked': True,
                                                        'points': 2,
                                                        'schema_version': 3,
                                                        'solution': False,
                                                        'task': False}},
                              'source': 'from aml_gan.checks import check_discriminator_block\n'
                                        'report = check_discriminator_block(discriminator_block)\n'
                                        'display(report)\n'
                                        'report.raise_for_problems()'},
                             {'cell_type': 'code',
                              'id': 'train-step',
                              'metadata': {'deletable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': '6c38b531b02dd3fdbe7d32dea6cb6065',
                                                        'grade': False,
                                                        'grade_id': 'train_step',
                                                        'locked': False,
                                                        'schema_version': 3,
                                                        'solution': True,
                                                        'task': False}},
                              'source': 'def train_step(gen, disc, gen_optim, disc_optim, real_batch, '
                                        'latent_dim):\n'
                                        '    """One GAN update on real pictures real_batch (B, 3, S, S) in '
                                        '[-1, 1].\n'
                                        '\n'
                                        '    disc returns probabilities (B, 1). Update D first (real and '
                                        'detached fakes), then G\n'
                                        '    with the non-saturating loss. Returns (generator_loss, '
                                        'discriminator_loss) as floats.\n'
                                        '    """\n'
                                        '    # YOUR CODE HERE\n'
                                        '    raise NotImplementedError()'},
                             {'cell_type': 'code',
                              'id': 'test-train-step',
                              'metadata': {'deletable': False,
                                           'editable': False,
                                           'nbgrader': {'cell_type': 'code',
                                                        'checksum': 'aafaece5f65d4e53524a1bb25ff2d794',
                                                        'grade': True,
                                                        'grade_id': 'test_train_step',
                                                        'locked': True,
                                                        'points': 4,
                                                        'schema_version': 3,
                                                        'solution': False,
                                                        'task': False}},
                              'source': 'from aml_gan.checks import check_train_step\n'
                                        'probe_gen, probe_disc = make_dcgan(latent_dim=16, image_size=16, '
                                        'width=8, seed=0)\n'
                                        'report = check_train_step(train_step, gen=probe_gen, '
                                        'disc=probe_disc, latent_dim=16, batch=8)\n'
                                        'display(report)\n'
                                        'report.raise_for_problems()'},
                             {'cell_type': 'markdown',
                              'id': 'thinking-break-range',
                              'metadata': {'deletable': False,
                                           'nbgrader': {'cell_type': 'markdown',
                                                        'checksum': 'bdc8767eb727811afe6398f77a3894ef',
                                                        'grade': True,
                                                        'grade_id': 'thinking_break_range',
                                                        'locked': False,
                                                        'points': 2,
                                                        'schema_version': 3,
                                                        'solution': True,
                                                        'task': False}},
                              'source': 'YOUR ANSWER HERE'}],
                   'notebook': '05_dcgan_pets.ipynb'},
 '06_gaussian_estimator': {'cells': [{'cell_type': 'code',
                                      'id': 'e831a168',
                                      'metadata': {'deletable': False,
                                                   'nbgrader': {'cell_type': 'code',
                                                                'checksum': '607fa934c29a82fa14ab253d3a5ad338',
                                                                'grade': False,
                                                                'grade_id': 'implied_gaussian',
                                                                'locked': False,
                                                                'schema_version': 3,
                                                                'solution': True,
                                                                'task': False}},
                                      'source': 'def implied_gaussian(generator):\n'
                                                '    """Mean (d,) and covariance (d, d) of generator(z) for '
                                                'z ~ N(0, I).\n'
                                                '\n'
                                                '    generator: nn.Sequential whose only layer, '
                                                'generator[0], is an nn.Linear(k, d).\n'
                                                '    Returns (mean, cov), two torch tensors detached from '
                                                "the generator's parameters.\n"
                                                '    """\n'
                                                '    # YOUR CODE HERE\n'
                                                '    raise NotImplementedError()'},
                                     {'cell_type': 'code',
                                      'id': '509dd7f5',
                                      'metadata': {'deletable': False,
                                                   'editable': False,
                                                   'nbgrader': {'cell_type': 'code',
                                                                'checksum': 'edefdd32446db04596c3f6b9c890ee9b',
                                                                'grade': True,
                                                                'grade_id': 'test_implied_gaussian',
                                                                'locked': True,
                                                                'points': 2,
                                                                'schema_version': 3,
                                                                'solution': False,
                                                                'task': False}},
                                      'source': 'from aml_gan.checks import check_implied_gaussian, '
                                                'default_probes, probe_generator, random_probe_generator\n'
                                                '# the hand-sized generator above, then two more 2 -> 2 '
                                                'generators\n'
                                                'hand = probe_generator([[1.0, 0.0], [2.0, 1.0]], [3.0, '
                                                '4.0])\n'
                                                'report = check_implied_gaussian(implied_gaussian, [hand] + '
                                                'default_probes())\n'
                                                'display(report)  # green when every check passes; otherwise '
                                                'it names the bug and the fix\n'
                                                'report.raise_for_problems()'},
                                     {'cell_type': 'code',
                                      'id': 'f752b6ce',
                                      'metadata': {'deletable': False,
                                                   'editable': False,
                                                   'nbgrader': {'cell_type': 'code',
                                                                'checksum': 'b6d97ba44ec4775fbbf39680844fb333',
                                                                'grade': True,
                                                                'grade_id': 'test_implied_gaussian_shapes',
                                                                'locked': True,
                                                                'points': 2,
                                                                'schema_version': 3,
                                                                'solution': False,
                                                                'task': False}},
                                      'source': 'from aml_gan.checks import check_implied_gaussian, '
                                                'random_probe_generator\n'
                                                '# other shapes (3 -> 2, 2 -> 3 and 1 -> 3: noise and output '
                                                'sizes differ, noise of size 1), and your trained G\n'
                                                'report = check_implied_gaussian(implied_gaussian, '
                                                '[random_probe_generator(3, 2, seed=51),\n'
                                                '                                                   '
                                                'random_probe_generator(2, 3, seed=52),\n'
                                                '                                                   '
                                                'random_probe_generator(1, 3, seed=53), G])\n'
                                                'display(report)\n'
                                                'report.raise_for_problems()'}],
                           'notebook': '06_gaussian_estimator.ipynb'},
 '07_pitfalls': {'cells': [{'cell_type': 'code',
                            'id': '490a66a0',
                            'metadata': {'deletable': False,
                                         'nbgrader': {'cell_type': 'code',
                                                      'checksum': 'bdb96aaf6aac555ac3164289263126ce',
                                                      'grade': False,
                                                      'grade_id': 'simultaneous_step',
                                                      'locked': False,
                                                      'schema_version': 3,
                                                      'solution': True,
                                                      'task': False}},
                            'source': 'def simultaneous_step(x, y, lr):\n'
                                      '    """One simultaneous step on f(x, y) = x*y (x wants f small, y '
                                      'wants it large), both from the OLD point.\n'
                                      '\n'
                                      '    Args: x, y: floats, the current point; lr: the step size.\n'
                                      '    Returns: (x_new, y_new).\n'
                                      '    """\n'
                                      '    # YOUR CODE HERE\n'
                                      '    raise NotImplementedError()'},
                           {'cell_type': 'code',
                            'id': '18adee7c',
                            'metadata': {'deletable': False,
                                         'nbgrader': {'cell_type': 'code',
                                                      'checksum': '5f03b7e0ffed22567cad0d171e6bd80e',
                                                      'grade': False,
                                                      'grade_id': 'alternating_step',
                                                      'locked': False,
                                                      'schema_version': 3,
                                                      'solution': True,
                                                      'task': False}},
                            'source': 'def alternating_step(x, y, lr):\n'
                                      '    """One alternating step on f(x, y) = x*y (x wants f small, y '
                                      'wants it large): x moves first, then y answers the NEW x.\n'
                                      '\n'
                                      '    Args: x, y: floats, the current point; lr: the step size.\n'
                                      '    Returns: (x_new, y_new).\n'
                                      '    """\n'
                                      '    # YOUR CODE HERE\n'
                                      '    raise NotImplementedError()'},
                           {'cell_type': 'code',
                            'id': '553351d1',
                            'metadata': {'deletable': False,
                                         'editable': False,
                                         'nbgrader': {'cell_type': 'code',
                                                      'checksum': 'cd957ace2748b0722bade70d15d58095',
                                                      'grade': True,
                                                      'grade_id': 'test_simultaneous_step',
                                                      'locked': True,
                                                      'points': 2,
                                                      'schema_version': 3,
                                                      'solution': False,
                                                      'task': False}},
                            'source': 'from aml_gan.checks import check_simultaneous_step\n'
                                      'report = check_simultaneous_step(simultaneous_step)\n'
                                      'display(report)\n'
                                      'report.raise_for_problems()'},
                           {'cell_type': 'code',
                            'id': '66e5f740',
                            'metadata': {'deletable': False,
                                         'editable': False,
                                         'nbgrader': {'cell_type': 'code',
                                                      'checksum': 'b1a7a2a1c44d2246aed102a34f763536',
                                                      'grade': True,
                                                      'grade_id': 'test_alternating_step',
                                                      'locked': True,
                                                      'points': 2,
                                                      'schema_version': 3,
                                                      'solution': False,
                                                      'task': False}},
                            'source': 'from aml_gan.checks import check_alternating_step\n'
                                      'report = check_alternating_step(alternating_step)\n'
                                      'display(report)\n'
                                      'report.raise_for_problems()'},
                           {'cell_type': 'code',
                            'id': '3db94794',
                            'metadata': {'deletable': False,
                                         'nbgrader': {'cell_type': 'code',
                                                      'checksum': '2d92a1ab4e1ed1d801bb370e52f613d4',
                                                      'grade': False,
                                                      'grade_id': 'critic_loss',
                                                      'locked': False,
                                                      'schema_version': 3,
                                                      'solution': True,
                                                      'task': False}},
                            'source': 'def critic_loss(critic_real, critic_fake):\n'
                                      '    """Wasserstein critic loss: the number the critic minimises so '
                                      'that the gap mean C(x) - mean C(G(z)) grows.\n'
                                      '\n'
                                      '    Args: critic_real: (B_r, 1) scores of real samples; critic_fake: '
                                      '(B_f, 1) scores of fakes.\n'
                                      '    Returns: a 0-d tensor (it must stay differentiable).\n'
                                      '    """\n'
                                      '    # YOUR CODE HERE\n'
                                      '    raise NotImplementedError()'},
                           {'cell_type': 'code',
                            'id': '0954f81e',
                            'metadata': {'deletable': False,
                                         'editable': False,
                                         'nbgrader': {'cell_type': 'code',
                                                      'checksum': '686672238c82305db7f0912aa276d04f',
                                                      'grade': True,
                                                      'grade_id': 'test_critic_loss',
                                                      'locked': True,
                                                      'points': 2,
                                                      'schema_version': 3,
                                                      'solution': False,
                                                      'task': False}},
                            'source': 'from aml_gan.checks import check_critic_loss\n'
                                      'report = check_critic_loss(critic_loss)\n'
                                      'display(report)\n'
                                      'report.raise_for_problems()'},
                           {'cell_type': 'code',
                            'id': '90637276',
                            'metadata': {'deletable': False,
                                         'nbgrader': {'cell_type': 'code',
                                                      'checksum': 'b24ffdfd5c6f74053e2f7c587d734f5d',
                                                      'grade': False,
                                                      'grade_id': 'gradient_penalty',
                                                      'locked': False,
                                                      'schema_version': 3,
                                                      'solution': True,
                                                      'task': False}},
                            'source': 'def gradient_penalty(critic, real, fake):\n'
                                      '    """WGAN-GP penalty: mean over random interpolates x_hat of '
                                      '(||grad C(x_hat)||_2 - 1)^2.\n'
                                      '\n'
                                      '    Args: critic: a module (B, ...) -> (B, 1); real, fake: tensors of '
                                      'the same shape (B, ...).\n'
                                      '    Returns: a 0-d tensor that keeps the graph (create_graph=True).\n'
                                      '    """\n'
                                      '    # YOUR CODE HERE\n'
                                      '    raise NotImplementedError()'},
                           {'cell_type': 'code',
                            'id': 'f788fa28',
                            'metadata': {'deletable': False,
                                         'editable': False,
                                         'nbgrader': {'cell_type': 'code',
                                                      'checksum': '4c6c47718971967bd3d4fecd7cc1ca8d',
                                                      'grade': True,
                                                      'grade_id': 'test_gradient_penalty',
                                                      'locked': True,
                                                      'points': 3,
                                                      'schema_version': 3,
                                                      'solution': False,
                                                      'task': False}},
                            'source': 'from aml_gan.checks import check_gradient_penalty\n'
                                      '# 2-D points, as in this notebook, and image-shaped samples (batch, '
                                      '1, 4, 4)\n'
                                      'reports = [check_gradient_penalty(gradient_penalty), '
                                      'check_gradient_penalty(gradient_penalty, sample_shape=(1, 4, 4))]\n'
                                      'report = next((r for r in reports if not r.passed), reports[0])\n'
                                      'display(report)\n'
                                      'report.raise_for_problems()'}],
                 'notebook': '07_pitfalls.ipynb'}}
